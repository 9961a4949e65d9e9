import Foundation
import SparsimSupport
import Traces

/// A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the data. Memory-mapped; F32, F16 and BF16 tensors are read
/// as Float. Offsets that overlap, run past the file or disagree with the shape are errors.
public final class SafetensorsFile: @unchecked Sendable {
    public struct TensorInfo: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Absolute byte range in the file.
        public let range: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    private let file: MappedFile

    static let dtypeSizes = ["F32": 4, "F16": 2, "BF16": 2]
    /// Headers are JSON of a few MB at most; a larger claim is corruption.
    static let maxHeaderBytes = 100 << 20

    public init(path: String) throws(ModelError) {
        self.path = path
        file = try MappedFile(path: path)
        (tensors, metadata) = try Self.parseHeader(file.bytes, path: path)
    }

    private static func parseHeader(_ data: UnsafeRawBufferPointer, path: String) throws(ModelError) -> ([String: TensorInfo], [String: String]) {
        func fail(_ message: String) -> ModelError { ModelError(path: path, message: message) }
        guard data.count >= 8 else { throw fail("truncated: \(data.count) bytes, not even a safetensors header length") }
        let headerLength = UInt64(littleEndian: data.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(min(maxHeaderBytes, data.count - 8)) else {
            throw fail("header length \(headerLength) runs past the file (\(data.count) bytes): truncated or not safetensors")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(data[8..<headerEnd]))
        } catch {
            throw fail("header is not valid JSON: not a safetensors file")
        }
        guard let entries = json as? [String: Any] else { throw fail("header is not a JSON object") }
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let size = dtypeSizes[dtype] else {
                throw fail("tensor '\(name)' has dtype \(dtype); sparsim reads F32, F16 and BF16")
            }
            guard shape.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }), shape.count <= 8 else {
                throw fail("tensor '\(name)' has shape \(shape)")
            }
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max / 16 : $0 * $1 }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= data.count - headerEnd else {
                throw fail("tensor '\(name)' bytes \(begin)..<\(end) run past the data (\(data.count - headerEnd) bytes): truncated?")
            }
            guard end - begin == count * size else {
                throw fail("tensor '\(name)' has \(end - begin) bytes for shape \(shape) of \(dtype) (expected \(count * size))")
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, range: headerEnd + begin..<headerEnd + end)
        }
        let spans = tensors.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }
        for (previous, next) in zip(spans, spans.dropFirst()) where next.value.range.lowerBound < previous.value.range.upperBound {
            throw fail("tensors '\(previous.key)' and '\(next.key)' overlap")
        }
        return (tensors, metadata)
    }

    /// Lets the named tensors' pages leave resident memory (see `MappedFile.releasePages`).
    func releasePages(of names: [String]) {
        for info in names.compactMap({ tensors[$0] }) { file.releasePages(info.range) }
    }

    /// The tensor as Float, row-major.
    public func tensor(_ name: String) throws(ModelError) -> [Float] {
        guard let info = tensors[name] else { throw ModelError(path: path, message: "missing tensor '\(name)'") }
        let source = UnsafeRawBufferPointer(rebasing: file.bytes[info.range])
        return [Float](unsafeUninitializedCapacity: info.count) { buffer, initialized in
            switch info.dtype {
            case "F32":
                // Little-endian platforms only (x86-64, arm64): the bytes are the floats.
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            case "F16":
                for i in 0..<info.count {
                    buffer[i] = Float(Float16(bitPattern: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                }
            default:
                for i in 0..<info.count {
                    buffer[i] = Float(bitPattern: UInt32(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                }
            }
            initialized = info.count
        }
    }

    /// Writes F32 tensors (name, shape, values) as one safetensors file, atomically.
    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String] = [:],
                             to path: String) throws(ModelError) {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for tensor in tensors {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "shape of \(tensor.name) does not match its values")
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.values.count]]
            offset += 4 * tensor.values.count
        }
        var headerData: Data
        do {
            headerData = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        } catch {
            throw ModelError(path: path, message: "cannot encode the safetensors header")
        }
        // Pad the header with spaces so the data starts 8-byte aligned.
        while (8 + headerData.count) % 8 != 0 { headerData.append(0x20) }
        do {
            try AtomicFile.write(to: path) { file in
                try withUnsafeBytes(of: UInt64(headerData.count).littleEndian) { try file.write($0) }
                try headerData.withUnsafeBytes { try file.write($0) }
                for tensor in tensors { try tensor.values.withUnsafeBytes { try file.write($0) } }
            }
        } catch {
            throw ModelError(path: path, message: "cannot write (\(error.localizedDescription))")
        }
    }
}
