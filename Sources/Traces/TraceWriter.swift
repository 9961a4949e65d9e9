import CHDF5
import Foundation
import SparsimSupport

/// Writes a trace one layer at a time, atomically.
///
/// Everything goes to a hidden temporary file beside the destination; `finish`
/// renames it into place. If the writer is dropped before `finish` (an error,
/// a crash of the caller's loop), the temporary file is removed and nothing is
/// left at the destination.
public final class TraceWriter {
    public let path: String
    private let temporaryPath: String
    private var file: H5Location?
    private var layersGroup: H5Location?
    private var blockGroups: [Int: H5Location] = [:]
    private var written: Set<LayerID> = []

    public init(path: String, metadata: TraceMetadata, config: [String: AttributeValue] = [:]) throws(TraceError) {
        guard metadata.targetSparsity >= 0, metadata.targetSparsity < 1 else {
            throw TraceError(path: path, message: "target sparsity \(metadata.targetSparsity) is outside [0, 1)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TraceError(path: path, message: "directory \(directory) does not exist")
        }
        self.path = path
        temporaryPath = AtomicFile.temporaryPath(for: path)
        try HDF5.serialized { () throws(TraceError) in
            let file = try H5Location.createFile(at: temporaryPath)
            self.file = file
            do throws(TraceError) {
                try Self.writeHeader(metadata, to: file)
                let configGroup = try file.createGroup("config")
                for (key, value) in config.sorted(by: { $0.key < $1.key }) {
                    try configGroup.setAttribute(key, value)
                }
                layersGroup = try file.createGroup("layers")
            } catch {
                abandon()
                throw error.renamed(from: temporaryPath, to: path)
            }
        }
    }

    deinit { abandon() }

    private static func writeHeader(_ metadata: TraceMetadata, to file: H5Location) throws(TraceError) {
        try file.setAttribute("format", .string(TraceFormat.name))
        try file.setAttribute("version", .int(TraceFormat.version))
        try file.setAttribute("model", .string(metadata.model))
        try file.setAttribute("method", .string(metadata.method))
        try file.setAttribute("target_sparsity", .double(metadata.targetSparsity))
        try file.setAttribute("pattern", .string(metadata.pattern.description))
        try file.setAttribute("seqlen", .int(Int64(metadata.seqlen)))
        try file.setAttribute("calibration_samples", .int(Int64(metadata.calibrationSamples)))
        if let fingerprint = metadata.calibrationSHA256 { try file.setAttribute("calibration_sha256", .string(fingerprint)) }
        try file.setAttribute("created_by", .string(metadata.createdBy))
        if let recipe = metadata.recipe { try file.setAttribute("recipe", .string(recipe)) }
    }

    /// Adds one layer. Each layer may be written once; after any failure the writer is closed
    /// and the partial file removed.
    public func append(_ layer: TraceLayer) throws(TraceError) {
        try HDF5.serialized { () throws(TraceError) in
            guard let layersGroup else { throw TraceError(path: path, message: "the trace writer is already closed") }
            do throws(TraceError) {
                guard !written.contains(layer.id) else {
                    throw TraceError(path: path, message: "\(layer.id.tracePath) written twice")
                }
                let block: H5Location
                if let existing = blockGroups[layer.id.block] {
                    block = existing
                } else {
                    block = try layersGroup.createGroup(String(layer.id.block))
                    blockGroups[layer.id.block] = block
                }
                let group = try block.createGroup(layer.id.projection.rawValue)
                let mask = layer.mask
                let dataset = try group.writeDataset("mask", shape: [mask.rows, mask.bytesPerRow], values: mask.packed)
                let kept = mask.nonzeroCount
                try dataset.setAttribute("shape", .ints([Int64(mask.rows), Int64(mask.cols)]))
                try dataset.setAttribute("nnz", .int(Int64(kept)))
                try dataset.setAttribute("sparsity", .double(1 - Double(kept) / Double(mask.count)))
                if let weight = layer.weight {
                    let dataset = try group.writeDataset("weight", shape: [mask.rows, mask.cols], values: weight)
                    if let quantization = layer.quantization {
                        try dataset.setAttribute("bits", .int(Int64(quantization.bits)))
                        try dataset.setAttribute("group_size", .int(Int64(quantization.groupSize)))
                    }
                }
                if let learned = layer.learnedSparsity {
                    try group.writeDataset("learned_sparsity", shape: [learned.count], values: learned)
                }
                written.insert(layer.id)
            } catch {
                abandon()
                throw error.renamed(from: temporaryPath, to: path)
            }
        }
    }

    /// Writes the metrics, closes the file and moves it to `path`.
    public func finish(metrics: [String: Double] = [:]) throws(TraceError) {
        try HDF5.serialized { () throws(TraceError) in
            guard let file else { throw TraceError(path: path, message: "the trace writer is already closed") }
            guard !written.isEmpty else {
                abandon()
                throw TraceError(path: path, message: "a trace needs at least one layer")
            }
            do throws(TraceError) {
                let metricsGroup = try file.createGroup("metrics")
                for (key, value) in metrics.sorted(by: { $0.key < $1.key }) {
                    try metricsGroup.setAttribute(key, .double(value))
                }
                try file.flush()
            } catch {
                abandon()
                throw error.renamed(from: temporaryPath, to: path)
            }
            closeHandles()
            do {
                try AtomicFile.moveIntoPlace(temporaryPath, path)
            } catch {
                AtomicFile.discard(temporaryPath)
                throw TraceError(path: path, message: "cannot move the finished trace into place: \(error.localizedDescription)")
            }
        }
    }

    private func closeHandles() {
        blockGroups = [:]
        layersGroup = nil
        file = nil
    }

    /// Drops the half-written file.
    private func abandon() {
        guard file != nil else { return }
        HDF5.serialized { closeHandles() }
        AtomicFile.discard(temporaryPath)
    }
}

extension TraceError {
    /// Errors raised while writing name the temporary file; the user asked for the real one.
    func renamed(from temporary: String, to path: String) -> TraceError {
        TraceError(path: self.path == temporary ? path : self.path, message: message)
    }
}
