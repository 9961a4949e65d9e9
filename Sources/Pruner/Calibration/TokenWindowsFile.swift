import Foundation
import SparsimSupport
import Traces

/// Calibration windows given as token ids in a NumPy `.npy` file: a C-ordered 2-D array
/// `[windows, seqlen]` of little-endian int32 or int64 (`np.save(path, ids)`), so that another
/// implementation can be run on exactly the same windows.
public enum TokenWindowsFile {
    public static func read(_ path: String, vocabularySize: Int) throws(ModelError) -> [[Int32]] {
        func fail(_ message: String) -> ModelError { ModelError(path: path, message: message) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail(FileManager.default.fileExists(atPath: path) ? "cannot read" : "no such file")
        }
        let bytes = [UInt8](data)
        // Magic, version, then the header length: 2 bytes in version 1, 4 in versions 2 and 3.
        guard bytes.count >= 10, bytes[0..<6] == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] else {
            throw fail("not a NumPy .npy file (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        guard (1...3).contains(major) else { throw fail(".npy format version \(major) is not supported (1–3 are)") }
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw fail("truncated .npy header") }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= bytes.count, let header = String(bytes: bytes[(8 + lengthBytes)..<dataStart], encoding: .utf8) else {
            throw fail("truncated .npy header")
        }
        let descr = field("descr", in: header)
        let elementSize: Int
        switch descr {
        case "'<i4'": elementSize = 4
        case "'<i8'": elementSize = 8
        default:
            let named = (descr ?? "?").trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            throw fail("dtype \(OneLine.quote(named)) is not little-endian int32 or int64 ('<i4', '<i8')")
        }
        guard field("fortran_order", in: header) == "False" else { throw fail("a Fortran-ordered array; save it C-ordered") }
        let shapeText = field("shape", in: header) ?? "?"
        // Every dimension must be a whole number that fits: a dimension dropped or read as
        // something else would cut the data differently from how NumPy saved it.
        let dimensions = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = dimensions.compactMap { Int($0) }
        guard shape.count == 2, dimensions.count == 2, shape[0] >= 1, shape[1] >= 2 else {
            throw fail("shape \(OneLine.quote(shapeText)) is not [windows ≥ 1, seqlen ≥ 2]")
        }
        let (windows, seqlen) = (shape[0], shape[1])
        let (tokens, tooMany) = windows.multipliedReportingOverflow(by: seqlen)
        let (expected, tooLarge) = tokens.multipliedReportingOverflow(by: elementSize)
        guard !tooMany, !tooLarge, bytes.count - dataStart == expected else {
            throw fail("\(bytes.count - dataStart) data bytes for shape [\(windows), \(seqlen)] "
                       + (tooMany || tooLarge ? "(more than any file holds)" : "(expected \(expected)): truncated?"))
        }
        var result: [[Int32]] = []
        result.reserveCapacity(windows)
        for window in 0..<windows {
            var row = [Int32](repeating: 0, count: seqlen)
            for position in 0..<seqlen {
                let offset = dataStart + (window * seqlen + position) * elementSize
                let value = (0..<elementSize).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
                let id = elementSize == 4 ? Int64(Int32(truncatingIfNeeded: value)) : Int64(bitPattern: value)
                guard id >= 0, id < vocabularySize else {
                    throw fail("token id \(id) at [\(window), \(position)] is outside the model's vocabulary of \(vocabularySize)")
                }
                row[position] = Int32(id)
            }
            result.append(row)
        }
        return result
    }

    /// The value text of `key` in a .npy header dictionary (`{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }`).
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        let rest = header[keyRange.upperBound...].drop { $0 == " " }
        let end = rest.first == "(" ? rest.firstIndex(of: ")").map { rest.index(after: $0) } : rest.firstIndex { $0 == "," || $0 == "}" }
        return end.map { String(rest[..<$0]).trimmingCharacters(in: .whitespaces) }
    }
}

extension Calibration {
    /// SHA-256 of the windows as little-endian int32, row-major: the same bytes as
    /// `np.asarray(windows, dtype='<i4').tobytes()`, so `hashlib.sha256` gives the same digest.
    public static func fingerprint(_ windows: [[Int32]]) -> String {
        var hash = SHA256()
        for window in windows {
            for id in window { hash.update(withUnsafeBytes(of: id.littleEndian) { Array($0) }) }
        }
        return hash.hexDigest()
    }
}
