import CHDF5
import Foundation

/// What a trace says about one layer without loading its mask.
public struct LayerSummary: Sendable, Equatable {
    public let id: LayerID
    public let rows: Int
    public let cols: Int
    public let nonzeroCount: Int
    public let hasWeight: Bool

    public var sparsity: Double { 1 - Double(nonzeroCount) / Double(rows * cols) }
}

/// Opens a trace, validates its header and layer index, and loads layers on demand.
///
/// Every problem is reported as a `TraceError` whose one-line description names
/// the file and, where it applies, the object inside it. Its state is immutable and every HDF5
/// call is serialized, so it can be shared between threads.
public final class TraceReader: @unchecked Sendable {
    public let path: String
    public let metadata: TraceMetadata
    public let config: [String: AttributeValue]
    public let metrics: [String: Double]
    /// Sorted by block, then projection.
    public let layers: [LayerSummary]
    private let file: H5Location
    private let index: [LayerID: LayerSummary]

    /// Opens a trace. Only files in HDF5 1.8's format or later are read (their metadata carries
    /// checksums the library verifies, so damage is an error rather than a crash inside it);
    /// `acceptingUnchecksummed` also opens the older format of earlier traces, for `trace upgrade`
    /// to rewrite them.
    public init(path: String, acceptingUnchecksummed: Bool = false) throws(TraceError) {
        self.path = path
        let superblock = try Self.checkIsHDF5File(path)
        if !acceptingUnchecksummed { try Self.checkChecksummed(path, superblock: superblock) }
        (file, metadata, config, metrics, layers) = try HDF5.serialized { () throws(TraceError) in
            let file = try H5Location.openFile(at: path, readsHeapStrings: acceptingUnchecksummed)
            try Self.checkFormat(file)
            let metadata = try Self.readMetadata(file)
            let config = try Self.readAttributes(of: file, group: "config")
            var metrics: [String: Double] = [:]
            for (key, value) in try Self.readAttributes(of: file, group: "metrics") {
                guard let number = value.doubleValue else { throw file.error("metric '\(key)' is not a number") }
                metrics[key] = number
            }
            return (file, metadata, config, metrics, try Self.readLayerIndex(file))
        }
        index = Dictionary(uniqueKeysWithValues: layers.map { ($0.id, $0) })
    }

    public func summary(_ id: LayerID) -> LayerSummary? { index[id] }

    /// The blocks present, ascending.
    public var blocks: [Int] { Array(Set(layers.map(\.id.block))).sorted() }

    /// Loads one layer's mask (and weights, if stored), checking them against the index.
    public func layer(_ id: LayerID) throws(TraceError) -> TraceLayer {
        guard let summary = index[id] else {
            throw TraceError(path: path, message: "no layer \(id.tracePath) in this trace")
        }
        return try HDF5.serialized { () throws(TraceError) in
            let group = try file.openGroup("layers").openGroup(String(id.block)).openGroup(id.projection.rawValue)
            let (dataset, _) = try group.openDataset("mask")
            let packed = try dataset.readDataset(count: summary.rows * ((summary.cols + 7) / 8), as: UInt8.self)
            let mask: KeepMask
            do throws(MaskFormatError) {
                mask = try KeepMask(rows: summary.rows, cols: summary.cols, packed: packed)
            } catch {
                throw dataset.error(error.description)
            }
            let kept = mask.nonzeroCount
            guard kept == summary.nonzeroCount else {
                throw dataset.error("attribute nnz = \(summary.nonzeroCount) but the mask keeps \(kept) weights")
            }
            var weight: [Float]? = nil
            var quantization: WeightQuantization? = nil
            if summary.hasWeight {
                let (weights, shape) = try group.openDataset("weight")
                guard shape == [summary.rows, summary.cols] else {
                    throw weights.error("shape \(shape.formatted) does not match the mask's \(summary.rows)×\(summary.cols)")
                }
                weight = try weights.readDataset(count: summary.rows * summary.cols, as: Float.self)
                if let bits = try weights.attribute("bits")?.intValue {
                    guard (2...16).contains(bits), let groupSize = try weights.attribute("group_size")?.intValue, groupSize >= 0 else {
                        throw weights.error("attribute bits must be in 2...16 with a non-negative group_size")
                    }
                    quantization = WeightQuantization(bits: Int(bits), groupSize: Int(groupSize))
                }
            }
            var learned: [Float]? = nil
            if group.hasChild("learned_sparsity") {
                let (dataset, shape) = try group.openDataset("learned_sparsity")
                guard shape.count == 1, [1, summary.rows].contains(shape[0]) else {
                    throw dataset.error("shape \(shape.formatted) is neither [1] nor [\(summary.rows)] (one per layer or per row)")
                }
                let values = try dataset.readDataset(count: shape[0], as: Float.self)
                guard values.allSatisfy({ (0...1).contains($0) }) else {
                    throw dataset.error("learned sparsities must lie in [0, 1]")
                }
                learned = values
            }
            return TraceLayer(id: id, mask: mask, weight: weight, learnedSparsity: learned, quantization: quantization)
        }
    }

    // MARK: Validation

    /// Returns the superblock's version (the file is read once for it and for the signature).
    private static func checkIsHDF5File(_ path: String) throws(TraceError) -> UInt8 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TraceError(path: path, message: "no such file")
        }
        guard !isDirectory.boolValue else { throw TraceError(path: path, message: "is a directory, not a trace file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw TraceError(path: path, message: "not readable (permission denied)")
        }
        guard let version = HDF5.superblockVersion(path) else {
            throw TraceError(path: path, message: "not an HDF5 file (no HDF5 signature); expected a sparsim trace")
        }
        return version
    }

    /// Superblock version 2 and later (HDF5 1.8's format) checksum the superblock, and their files'
    /// object headers and B-trees are checksummed as well.
    private static func checkChecksummed(_ path: String, superblock version: UInt8) throws(TraceError) {
        guard version >= 2 else {
            throw TraceError(path: path, message: "written in HDF5's format before 1.8, without metadata checksums "
                             + "(an older sparsim, or h5py with its default libver); `sparsim trace upgrade` rewrites it")
        }
    }

    private static func checkFormat(_ file: H5Location) throws(TraceError) {
        guard let format = try file.attribute("format") else {
            throw TraceError(path: file.filePath, message: "HDF5 file without a 'format' attribute: not a sparsim trace")
        }
        guard format.stringValue == TraceFormat.name else {
            throw TraceError(path: file.filePath, message: "format is '\(format)', not '\(TraceFormat.name)': not a sparsim trace")
        }
        guard let version = try file.attribute("version")?.intValue else {
            throw TraceError(path: file.filePath, message: "missing or non-integer 'version' attribute")
        }
        guard version == TraceFormat.version else {
            throw TraceError(path: file.filePath,
                             message: "trace format version \(version) is not supported (this sparsim reads version \(TraceFormat.version))")
        }
    }

    private static func readMetadata(_ file: H5Location) throws(TraceError) -> TraceMetadata {
        func required(_ name: String) throws(TraceError) -> AttributeValue {
            guard let value = try file.attribute(name) else { throw file.error("missing root attribute '\(name)'") }
            return value
        }
        func string(_ name: String) throws(TraceError) -> String {
            guard let text = try required(name).stringValue else { throw file.error("attribute '\(name)' is not a string") }
            return text
        }
        func integer(_ name: String) throws(TraceError) -> Int {
            guard let number = try required(name).intValue, number >= 0 else {
                throw file.error("attribute '\(name)' is not a non-negative integer")
            }
            return Int(number)
        }
        guard let target = try required("target_sparsity").doubleValue, target >= 0, target < 1 else {
            throw file.error("attribute 'target_sparsity' is not a number in [0, 1)")
        }
        let patternText = try string("pattern")
        guard let pattern = SparsityPattern(patternText) else {
            throw file.error("attribute 'pattern' is '\(patternText)'; expected 'unstructured' or 'N:M'")
        }
        return TraceMetadata(
            model: try string("model"), method: try string("method"), targetSparsity: target, pattern: pattern,
            seqlen: try integer("seqlen"), calibrationSamples: try integer("calibration_samples"),
            calibrationSHA256: file.hasAttribute("calibration_sha256") ? try string("calibration_sha256") : nil,
            createdBy: try string("created_by"),
            recipe: file.hasAttribute("recipe") ? try string("recipe") : nil)
    }

    /// All attributes of an optional group (absent group: empty).
    private static func readAttributes(of file: H5Location, group name: String) throws(TraceError) -> [String: AttributeValue] {
        guard file.hasChild(name) else { return [:] }
        let group = try file.openGroup(name)
        var values: [String: AttributeValue] = [:]
        for key in try group.attributeNames() {
            values[key] = try group.attribute(key)
        }
        return values
    }

    private static func readLayerIndex(_ file: H5Location) throws(TraceError) -> [LayerSummary] {
        let layersGroup = try file.openGroup("layers")
        var summaries: [LayerSummary] = []
        for blockName in try layersGroup.childNames() {
            guard let block = Int(blockName), block >= 0, String(block) == blockName else {
                throw layersGroup.error("'\(blockName)' is not a block number")
            }
            let blockGroup = try layersGroup.openGroup(blockName)
            for projectionName in try blockGroup.childNames() {
                guard let projection = Projection(rawValue: projectionName) else {
                    throw blockGroup.error("unknown projection '\(projectionName)' (expected one of "
                        + Projection.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                let group = try blockGroup.openGroup(projectionName)
                summaries.append(try readSummary(LayerID(block: block, projection: projection), group))
            }
        }
        guard !summaries.isEmpty else { throw layersGroup.error("the trace has no layers") }
        return summaries.sorted { $0.id < $1.id }
    }

    private static func readSummary(_ id: LayerID, _ group: H5Location) throws(TraceError) -> LayerSummary {
        let (mask, dims) = try group.openDataset("mask")
        guard case .ints(let shape)? = try mask.attribute("shape"), shape.count == 2,
              shape.allSatisfy({ (1...Int64(TraceFormat.largestDimension)).contains($0) }) else {
            throw mask.error("attribute 'shape' must be two integers [C_out, C_in] in 1...\(TraceFormat.largestDimension)")
        }
        let rows = Int(shape[0]), cols = Int(shape[1])
        guard dims == [rows, (cols + 7) / 8] else {
            throw mask.error("dataset is \(dims.formatted) bytes but shape \(rows)×\(cols) packs into \(rows)×\((cols + 7) / 8)")
        }
        guard let nnz = try mask.attribute("nnz")?.intValue, nnz >= 0, nnz <= Int64(rows) * Int64(cols) else {
            throw mask.error("attribute 'nnz' must be an integer in [0, \(rows * cols)]")
        }
        let summary = LayerSummary(id: id, rows: rows, cols: cols, nonzeroCount: Int(nnz), hasWeight: group.hasChild("weight"))
        if let stated = try mask.attribute("sparsity")?.doubleValue, abs(stated - summary.sparsity) > 1e-6 {
            throw mask.error("attribute sparsity = \(stated) disagrees with nnz (\(summary.sparsity))")
        }
        return summary
    }
}

extension [Int] {
    /// `3×4` style.
    var formatted: String { map(String.init).joined(separator: "×") }
}
