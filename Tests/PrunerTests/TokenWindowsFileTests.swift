import Foundation
import SparsimSupport
import Testing
import TestSupport
import Traces
@testable import Pruner

/// `--calib-ids` files: NumPy .npy arrays of token ids, built here byte by byte as `np.save` writes them.
@Suite struct TokenWindowsFileTests {
    /// A .npy file: magic, version, header length (2 bytes in v1, 4 in v2), the header dictionary
    /// padded with spaces to a multiple of 64 bytes, then the data.
    static func npy(descr: String = "<i4", fortran: Bool = false, shape: String, data: [UInt8], version: UInt8 = 1) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let length = header.utf8.count
        bytes += version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)] : [UInt8(length & 0xFF), UInt8(length >> 8), 0, 0]
        return Data(bytes + Array(header.utf8) + data)
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    static func read(_ data: Data, vocabulary: Int = 100) throws -> [[Int32]] {
        let folder = try TemporaryDirectory()
        try data.write(to: URL(fileURLWithPath: folder.file("ids.npy")))
        return try TokenWindowsFile.read(folder.file("ids.npy"), vocabularySize: vocabulary)
    }

    static func error(_ data: Data, vocabulary: Int = 100) throws -> String {
        do {
            _ = try read(data, vocabulary: vocabulary)
            return "no error"
        } catch let error as ModelError {
            #expect(!error.description.contains("\n"))
            return error.message
        }
    }

    @Test func int32AndInt64ArraysInEveryHeaderVersion() throws {
        let ids: [[Int32]] = [[1, 2, 3], [97, 0, 42]]
        #expect(try Self.read(Self.npy(shape: "(2, 3)", data: Self.littleEndian(ids.flatMap { $0 }))) == ids)
        #expect(try Self.read(Self.npy(descr: "<i8", shape: "(2, 3)", data: Self.littleEndian(ids.flatMap { $0 }.map(Int64.init)))) == ids)
        #expect(try Self.read(Self.npy(shape: "(2, 3)", data: Self.littleEndian(ids.flatMap { $0 }), version: 2)) == ids)
    }

    @Test func badFilesGiveOneLineErrors() throws {
        let six = Self.littleEndian([Int32](repeating: 1, count: 6))
        #expect(try Self.error(Data("hello".utf8)).contains("not a NumPy .npy file"))
        #expect(try Self.error(Self.npy(descr: "<f4", shape: "(2, 3)", data: six)).contains("dtype '<f4' is not"))
        #expect(try Self.error(Self.npy(descr: ">i4", shape: "(2, 3)", data: six)).contains("little-endian"))
        #expect(try Self.error(Self.npy(fortran: true, shape: "(2, 3)", data: six)).contains("Fortran"))
        #expect(try Self.error(Self.npy(shape: "(6,)", data: six)).contains("is not [windows ≥ 1, seqlen ≥ 2]"))
        #expect(try Self.error(Self.npy(shape: "(2, 3)", data: Array(six.dropLast(3)))).contains("truncated"))
        #expect(try Self.error(Self.npy(shape: "(2, 3)", data: Self.littleEndian([Int32](repeating: 1, count: 5) + [100])))
                == "token id 100 at [1, 2] is outside the model's vocabulary of 100")
        #expect(try Self.error(Self.npy(descr: "<i8", shape: "(1, 2)", data: Self.littleEndian([Int64(1), -5])))
                == "token id -5 at [0, 1] is outside the model's vocabulary of 100")
        // Sizes that overflow, dimensions too large for an integer, bytes that are not printable:
        // each an error, never a trap, and the message one printable line.
        #expect(try Self.error(Self.npy(shape: "(4611686018427387904, 4)", data: six)).contains("more than any file holds"))
        #expect(try Self.error(Self.npy(shape: "(100000000000000000000, 3)", data: six)).contains("is not [windows ≥ 1, seqlen ≥ 2]"))
        let escaped = try Self.error(Self.npy(descr: "<\u{1B}[31m\n", shape: "(2, 3)", data: six))
        #expect(escaped.contains("dtype '<\\u{1B}[31m\\n' is not"))
        #expect(!escaped.unicodeScalars.contains { $0.properties.generalCategory == .control })
        let missing = try TemporaryDirectory().file("none.npy")
        #expect(throws: ModelError(path: missing, message: "no such file")) { try TokenWindowsFile.read(missing, vocabularySize: 10) }
    }

    /// The fingerprint is SHA-256 of the ids as little-endian int32, what `hashlib` gives for
    /// `np.asarray(ids, '<i4').tobytes()`.
    @Test func fingerprintIsTheSHA256OfTheInt32Bytes() throws {
        let windows: [[Int32]] = [[1, 2, 3], [4, 5, 6]]
        var hash = SHA256()
        hash.update(Self.littleEndian(windows.flatMap { $0 }))
        #expect(Calibration.fingerprint(windows) == hash.hexDigest())
        #expect(Calibration.fingerprint(windows) != Calibration.fingerprint([[1, 2, 3], [4, 6, 5]]))
        guard ExternalProcess.hasH5py || ExternalProcess.mustRunEverything else { return }
        let result = try ExternalProcess.python(["-c", "import hashlib, numpy as np; "
            + "print(hashlib.sha256(np.asarray([[1, 2, 3], [4, 5, 6]], '<i4').tobytes()).hexdigest())"])
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == Calibration.fingerprint(windows))
    }
}
