import Foundation

/// A metadata value of a GGUF file.
public enum GGUFValue: Sendable, Equatable {
    case uint(UInt64)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    public var intValue: Int? {
        switch self {
        case .uint(let value): value <= UInt64(Int.max) ? Int(value) : nil
        case .int(let value): Int(value)
        default: nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .float(let value): value
        case .uint(let value): Double(value)
        case .int(let value): Double(value)
        default: nil
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [GGUFValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}

/// Where a tensor's data lies in a GGUF file.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// GGML order: `dims[0]` varies fastest (the columns of a row-major matrix).
    public let dims: [Int]
    public let type: GGMLType
    /// Absolute byte offset in the file.
    public let offset: Int

    public var count: Int { dims.reduce(1, *) }
    public var byteCount: Int { type.byteCount(count) }
}

/// A GGUF file (versions 2 and 3), memory-mapped: metadata, tensor directory, and tensors decoded
/// to Float on request. Everything read from the file is checked: a truncated file, offsets that
/// overlap or run past the end, unknown types and absurd counts are errors naming the file.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    public let tensors: [String: GGUFTensorInfo]
    /// Tensor names in file order.
    public let tensorNames: [String]
    private let file: MappedFile

    /// Sanity limits: a corrupt count must fail as an error, not as an allocation of terabytes.
    static let maxTensors = 1 << 20
    static let maxKeyValues = 1 << 20
    static let maxArrayNesting = 4

    public init(path: String) throws(ModelError) {
        self.path = path
        file = try MappedFile(path: path)
        (version, metadata, tensors, tensorNames) = try Self.parse(file.bytes, path: path)
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(ModelError)
        -> (UInt32, [String: GGUFValue], [String: GGUFTensorInfo], [String]) {
        var cursor = ByteCursor(bytes, path: path)
        guard bytes.count >= 4, bytes[0] == 0x47, bytes[1] == 0x47, bytes[2] == 0x55, bytes[3] == 0x46 else {
            throw cursor.error("not a GGUF file (no 'GGUF' magic)")
        }
        try cursor.skip(4, "magic")
        let version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            throw cursor.error("GGUF version \(version) is not supported (versions 2 and 3 are)")
        }
        let tensorCount = try cursor.read(UInt64.self, "tensor count")
        let keyValueCount = try cursor.read(UInt64.self, "metadata count")
        guard tensorCount <= UInt64(maxTensors) else { throw cursor.error("corrupt header: \(tensorCount) tensors") }
        guard keyValueCount <= UInt64(maxKeyValues) else { throw cursor.error("corrupt header: \(keyValueCount) metadata entries") }

        var metadata: [String: GGUFValue] = [:]
        for index in 0..<Int(keyValueCount) {
            let key = try readString(&cursor, "metadata key \(index)")
            let type = try cursor.read(UInt32.self, "type of '\(key)'")
            metadata[key] = try readValue(&cursor, type: type, key: key, depth: 0)
        }

        var infos: [GGUFTensorInfo] = []
        var relativeOffsets: [Int] = []
        for index in 0..<Int(tensorCount) {
            let name = try readString(&cursor, "name of tensor \(index)")
            let rank = try cursor.read(UInt32.self, "rank of '\(name)'")
            guard (1...4).contains(rank) else { throw cursor.error("tensor '\(name)' has rank \(rank) (expected 1 to 4)") }
            var dims: [Int] = []
            var count = 1
            for axis in 0..<Int(rank) {
                let dim = try cursor.read(UInt64.self, "dimension \(axis) of '\(name)'")
                guard dim >= 1, dim <= UInt64(Int32.max) else { throw cursor.error("tensor '\(name)' has dimension \(dim)") }
                let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
                guard !overflow, product <= Int(Int32.max) * 64 else { throw cursor.error("tensor '\(name)' is impossibly large") }
                count = product
                dims.append(Int(dim))
            }
            let rawType = try cursor.read(UInt32.self, "type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                let known = GGMLType.otherNames[rawType].map { " (\($0))" } ?? ""
                throw cursor.error("tensor '\(name)' has quantization type \(rawType)\(known), which sparsim does not decode "
                    + "(it reads \(GGMLType.allCases.map(\.name).joined(separator: ", ")))")
            }
            guard count % type.blockSize == 0, dims[0] % type.blockSize == 0 else {
                throw cursor.error("tensor '\(name)' has \(dims[0]) columns, not a multiple of the \(type.name) block of \(type.blockSize)")
            }
            let offset = try cursor.read(UInt64.self, "offset of '\(name)'")
            guard offset <= UInt64(Int.max / 2) else { throw cursor.error("tensor '\(name)' has offset \(offset)") }
            infos.append(GGUFTensorInfo(name: name, dims: dims, type: type, offset: 0))
            relativeOffsets.append(Int(offset))
        }

        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let stated = value.intValue, stated > 0, stated.nonzeroBitCount == 1, stated <= 1 << 20 else {
                throw cursor.error("general.alignment must be a power of two")
            }
            alignment = stated
        }
        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        var tensors: [String: GGUFTensorInfo] = [:]
        var spans: [(start: Int, end: Int, name: String)] = []
        for (info, relative) in zip(infos, relativeOffsets) {
            guard relative % alignment == 0 else {
                throw cursor.error("tensor '\(info.name)' offset \(relative) is not aligned to \(alignment)")
            }
            let start = dataStart + relative
            let end = start + info.byteCount
            guard end <= bytes.count else {
                throw cursor.error("tensor '\(info.name)' runs past the end of the file (bytes \(start)..<\(end) of \(bytes.count)): truncated?")
            }
            guard tensors[info.name] == nil else { throw cursor.error("tensor '\(info.name)' appears twice") }
            tensors[info.name] = GGUFTensorInfo(name: info.name, dims: info.dims, type: info.type, offset: start)
            spans.append((start, end, info.name))
        }
        spans.sort { $0.start < $1.start }
        for (previous, next) in zip(spans, spans.dropFirst()) where next.start < previous.end {
            throw cursor.error("tensors '\(previous.name)' and '\(next.name)' overlap")
        }
        return (version, metadata, tensors, infos.map(\.name))
    }

    private static func readString(_ cursor: inout ByteCursor, _ what: String) throws(ModelError) -> String {
        let length = try cursor.read(UInt64.self, "length of \(what)")
        guard length <= UInt64(cursor.remaining) else {
            throw cursor.error("truncated or corrupt: \(what) claims \(length) bytes at offset \(cursor.offset), only \(cursor.remaining) left")
        }
        return try cursor.readString(count: Int(length), what)
    }

    private static func readValue(_ cursor: inout ByteCursor, type: UInt32, key: String, depth: Int) throws(ModelError) -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try cursor.read(UInt8.self, "'\(key)'")))
        case 1: return .int(Int64(try cursor.read(Int8.self, "'\(key)'")))
        case 2: return .uint(UInt64(try cursor.read(UInt16.self, "'\(key)'")))
        case 3: return .int(Int64(try cursor.read(Int16.self, "'\(key)'")))
        case 4: return .uint(UInt64(try cursor.read(UInt32.self, "'\(key)'")))
        case 5: return .int(Int64(try cursor.read(Int32.self, "'\(key)'")))
        case 6: return .float(Double(try cursor.readFloat32("'\(key)'")))
        case 7: return .bool(try cursor.read(UInt8.self, "'\(key)'") != 0)
        case 8: return .string(try readString(&cursor, "'\(key)'"))
        case 9:
            guard depth < maxArrayNesting else { throw cursor.error("'\(key)' nests arrays too deeply") }
            let elementType = try cursor.read(UInt32.self, "element type of '\(key)'")
            let count = try cursor.read(UInt64.self, "length of '\(key)'")
            // Every element takes at least one byte: a longer claim is corrupt.
            guard count <= UInt64(cursor.remaining) else {
                throw cursor.error("truncated or corrupt: '\(key)' claims \(count) elements, only \(cursor.remaining) bytes left")
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                values.append(try readValue(&cursor, type: elementType, key: key, depth: depth + 1))
            }
            return .array(values)
        case 10: return .uint(try cursor.read(UInt64.self, "'\(key)'"))
        case 11: return .int(try cursor.read(Int64.self, "'\(key)'"))
        case 12: return .float(try cursor.readFloat64("'\(key)'"))
        default: throw cursor.error("metadata '\(key)' has unknown value type \(type)")
        }
    }

    /// The tensor decoded to Float, in file order (row-major with `dims[0]` columns).
    public func tensor(_ name: String) throws(ModelError) -> [Float] {
        guard let info = tensors[name] else { throw ModelError(path: path, message: "missing tensor '\(name)'") }
        let source = UnsafeRawBufferPointer(rebasing: file.bytes[info.offset..<info.offset + info.byteCount])
        return [Float](unsafeUninitializedCapacity: info.count) { buffer, initialized in
            info.type.decode(source, count: info.count, into: buffer)
            initialized = info.count
        }
    }

    /// A matrix tensor (`rows` × `cols`, GGML dims [cols, rows]) in fp32; its shape is checked.
    func matrix(_ name: String, rows: Int, cols: Int) throws(ModelError) -> Matrix {
        guard let info = tensors[name] else { throw ModelError(path: path, message: "missing tensor '\(name)'") }
        guard info.dims == [cols, rows] else {
            throw ModelError(path: path, message: "tensor '\(name)' is \(info.dims.reversed().map(String.init).joined(separator: "×")), expected \(rows)×\(cols)")
        }
        return Matrix(rows: rows, cols: cols, values: try tensor(name))
    }

    /// A vector tensor of `count` elements in fp32; its length is checked.
    func vector(_ name: String, count: Int) throws(ModelError) -> [Float] {
        guard let info = tensors[name] else { throw ModelError(path: path, message: "missing tensor '\(name)'") }
        guard info.dims == [count] else {
            throw ModelError(path: path, message: "tensor '\(name)' has \(info.dims) elements, expected [\(count)]")
        }
        return try tensor(name)
    }

    /// Lets the pages of the tensors whose names pass `filter` leave resident memory (see
    /// `MappedFile.releasePages`).
    func releasePages(ofTensorsNamed filter: (String) -> Bool) {
        for (name, info) in tensors where filter(name) { file.releasePages(info.offset..<info.offset + info.byteCount) }
    }

    /// Raw bytes of a tensor (for re-export without decoding).
    func rawBytes(_ info: GGUFTensorInfo) -> Data {
        Data(file.bytes[info.offset..<info.offset + info.byteCount])
    }
}
