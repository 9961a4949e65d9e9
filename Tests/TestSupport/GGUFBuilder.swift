import Foundation
import Pruner

/// Writes small GGUF files for tests, byte by byte as the format specifies (independent of the reader).
public struct GGUFBuilder {
    public var metadata: [(key: String, write: (inout Data) -> Void)] = []
    public var tensors: [(name: String, dims: [UInt64], type: UInt32, bytes: Data)] = []
    public var alignment = 32
    public var version: UInt32 = 3

    public init() {}

    public static func append<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    public static func appendString(_ text: String, to data: inout Data) {
        append(UInt64(text.utf8.count), to: &data)
        data.append(contentsOf: Array(text.utf8))
    }

    public mutating func add(_ key: String, string value: String) {
        metadata.append((key, { data in GGUFBuilder.append(UInt32(8), to: &data); GGUFBuilder.appendString(value, to: &data) }))
    }

    public mutating func add(_ key: String, uint32 value: UInt32) {
        metadata.append((key, { data in GGUFBuilder.append(UInt32(4), to: &data); GGUFBuilder.append(value, to: &data) }))
    }

    public mutating func add(_ key: String, float32 value: Float) {
        metadata.append((key, { data in GGUFBuilder.append(UInt32(6), to: &data); GGUFBuilder.append(value.bitPattern, to: &data) }))
    }

    public mutating func add(_ key: String, strings values: [String]) {
        metadata.append((key, { data in
            GGUFBuilder.append(UInt32(9), to: &data)
            GGUFBuilder.append(UInt32(8), to: &data)
            GGUFBuilder.append(UInt64(values.count), to: &data)
            for value in values { GGUFBuilder.appendString(value, to: &data) }
        }))
    }

    public mutating func addTensor(_ name: String, dims: [Int], type: GGMLType, bytes: Data) {
        tensors.append((name, dims.map(UInt64.init), type.rawValue, bytes))
    }

    public func build() -> Data {
        var data = Data("GGUF".utf8)
        Self.append(version, to: &data)
        Self.append(UInt64(tensors.count), to: &data)
        Self.append(UInt64(metadata.count), to: &data)
        for entry in metadata {
            Self.appendString(entry.key, to: &data)
            entry.write(&data)
        }
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            offset = (offset + tensor.bytes.count + alignment - 1) / alignment * alignment
        }
        for (tensor, offset) in zip(tensors, offsets) {
            Self.appendString(tensor.name, to: &data)
            Self.append(UInt32(tensor.dims.count), to: &data)
            for dim in tensor.dims { Self.append(dim, to: &data) }
            Self.append(tensor.type, to: &data)
            Self.append(UInt64(offset), to: &data)
        }
        while data.count % alignment != 0 { data.append(0) }
        let start = data.count
        for (tensor, offset) in zip(tensors, offsets) {
            while data.count < start + offset { data.append(0) }
            data.append(tensor.bytes)
        }
        return data
    }

    public static func half(_ value: Float) -> Data {
        var data = Data()
        append(Float16(value).bitPattern, to: &data)
        return data
    }
}
