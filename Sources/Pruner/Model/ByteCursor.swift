import Foundation

/// Reads little-endian values from a byte buffer with bounds checks: every read past the end
/// becomes an error that says what was being read and where.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    func error(_ message: String) -> ModelError {
        ModelError(path: path, message: message)
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(ModelError) {
        guard count >= 0, count <= remaining else {
            throw error("truncated: \(what()) needs \(count) bytes at offset \(offset), only \(remaining) left")
        }
        offset += count
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws(ModelError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else {
            throw error("truncated: \(what()) needs \(size) bytes at offset \(offset), only \(remaining) left")
        }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    mutating func readFloat32(_ what: @autoclosure () -> String) throws(ModelError) -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readFloat64(_ what: @autoclosure () -> String) throws(ModelError) -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// `count` bytes as UTF-8 (invalid sequences are repaired, as they are in the reference tools).
    mutating func readString(count: Int, _ what: @autoclosure () -> String) throws(ModelError) -> String {
        guard count >= 0, count <= remaining else {
            throw error("truncated or corrupt: \(what()) claims \(count) bytes at offset \(offset), only \(remaining) left")
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), as: UTF8.self)
        offset += count
        return text
    }
}
