import Foundation
import SparsimSupport
import Testing
import TestSupport
import Traces
@testable import Pruner

@Suite struct GGUFTests {
    /// One block of each quantized type, with values worked out by hand.
    static func quantizedFile() -> Data {
        var builder = GGUFBuilder()
        builder.add("general.architecture", string: "test")
        builder.add("general.alignment", uint32: 32)
        // Q8_0: d = 0.5, q = -16...15 → x = 0.5 q.
        var q8 = GGUFBuilder.half(0.5)
        q8.append(contentsOf: (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) })
        builder.addTensor("q8", dims: [32], type: .q8_0, bytes: q8)
        // Q4_0: d = 2, byte j = (j+1) << 4 | j → x_j = 2 (j − 8), x_{j+16} = 2 (j + 1 − 8).
        var q4 = GGUFBuilder.half(2)
        q4.append(contentsOf: (0..<16).map { UInt8(($0 + 1) % 16) << 4 | UInt8($0) })
        builder.addTensor("q4_0", dims: [32], type: .q4_0, bytes: q4)
        // Q4_1: d = 0.25, m = -1 → x = 0.25 q − 1.
        var q41 = GGUFBuilder.half(0.25)
        q41.append(GGUFBuilder.half(-1))
        q41.append(contentsOf: (0..<16).map { UInt8(15 - $0) << 4 | UInt8($0) })
        builder.addTensor("q4_1", dims: [32], type: .q4_1, bytes: q41)
        // F16 and BF16 of 1.5 and -2.25 (both exact).
        var f16 = GGUFBuilder.half(1.5)
        f16.append(GGUFBuilder.half(-2.25))
        builder.addTensor("f16", dims: [2], type: .f16, bytes: f16)
        var bf16 = Data()
        for value: Float in [1.5, -2.25] { GGUFBuilder.append(UInt16(value.bitPattern >> 16), to: &bf16) }
        builder.addTensor("bf16", dims: [2, 1], type: .bf16, bytes: bf16)
        var f32 = Data()
        for value: Float in [3.25, -0.5, 7, 0] { GGUFBuilder.append(value.bitPattern, to: &f32) }
        builder.addTensor("f32", dims: [2, 2], type: .f32, bytes: f32)
        return builder.build()
    }

    @Test func decodesEveryTypeExactly() throws {
        let folder = try TemporaryDirectory()
        try Self.quantizedFile().write(to: URL(fileURLWithPath: folder.file("q.gguf")))
        let file = try GGUFFile(path: folder.file("q.gguf"))
        #expect(file.version == 3)
        #expect(file.metadata["general.architecture"] == .string("test"))
        #expect(try file.tensor("q8") == (0..<32).map { 0.5 * Float($0 - 16) })
        #expect(try file.tensor("q4_0") == (0..<16).map { 2 * Float($0 - 8) } + (0..<16).map { 2 * Float(($0 + 1) % 16 - 8) })
        #expect(try file.tensor("q4_1") == (0..<16).map { 0.25 * Float($0) - 1 } + (0..<16).map { 0.25 * Float(15 - $0) - 1 })
        #expect(try file.tensor("f16") == [1.5, -2.25])
        #expect(try file.tensor("bf16") == [1.5, -2.25])
        #expect(try file.tensor("f32") == [3.25, -0.5, 7, 0])
        #expect(file.tensors["f32"]!.dims == [2, 2])
    }

    static func parseError(_ data: Data) throws -> String? {
        let folder = try TemporaryDirectory()
        try data.write(to: URL(fileURLWithPath: folder.file("m.gguf")))
        do {
            _ = try GGUFFile(path: folder.file("m.gguf"))
            return nil
        } catch {
            #expect(error.description.hasPrefix(folder.file("m.gguf") + ": "))
            #expect(!error.description.contains("\n"))
            return error.message
        }
    }

    @Test func badFilesGiveOneLineErrors() throws {
        let good = Self.quantizedFile()
        #expect(try Self.parseError(good) == nil)
        // Truncated inside the data and inside the header.
        #expect(try Self.parseError(good.prefix(good.count - 10))?.contains("runs past the end of the file") == true)
        #expect(try Self.parseError(good.prefix(40))?.contains("truncated") == true)
        #expect(try Self.parseError(Data("GGUF".utf8))?.contains("truncated") == true)
        #expect(try Self.parseError(Data("not a model at all".utf8))?.contains("not a GGUF file") == true)
        // Unknown quantization type.
        var unknown = GGUFBuilder()
        unknown.tensors.append(("w", [256], 15, Data(count: 292)))
        #expect(try Self.parseError(unknown.build())?.contains("quantization type 15 (Q8_K)") == true)
        // Overlapping tensors: two tensors at the same offset.
        var overlap = GGUFBuilder()
        overlap.addTensor("a", dims: [4], type: .f32, bytes: Data(count: 16))
        overlap.addTensor("b", dims: [4], type: .f32, bytes: Data(count: 16))
        var bytes = overlap.build()
        // The second tensor's offset is the last 8 bytes of its info; point it at 0.
        let secondOffset = bytes.range(of: Data("b".utf8))!.upperBound + 4 + 8 + 4
        bytes.replaceSubrange(secondOffset..<secondOffset + 8, with: Data(count: 8))
        #expect(try Self.parseError(bytes)?.contains("overlap") == true)
        // Version 1.
        var old = GGUFBuilder()
        old.version = 1
        #expect(try Self.parseError(old.build())?.contains("version 1 is not supported") == true)
    }

    @Test func fuzzedHeadersNeverCrash() throws {
        let original = Self.quantizedFile()
        var generator = SeededGenerator(seed: 99)
        let folder = try TemporaryDirectory()
        var accepted = 0
        for round in 0..<3000 {
            var mutated = original
            for _ in 0..<(1 + generator.next() % 4) {
                let index = Int(generator.next() % UInt64(min(mutated.count, 400)))
                mutated[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            if round % 7 == 0 { mutated = mutated.prefix(Int(generator.next() % UInt64(mutated.count))) }
            try mutated.write(to: URL(fileURLWithPath: folder.file("f.gguf")))
            if let file = try? GGUFFile(path: folder.file("f.gguf")) {
                accepted += 1
                for name in file.tensorNames { _ = try? file.tensor(name) }
            }
        }
        #expect(accepted < 3000)
    }

    @Test(.enabled(if: SharedModel.available, "the shipped model is not available"))
    func fuzzedRealHeadersNeverCrash() throws {
        // The real header (metadata with the 49 152-token vocabulary and 48 900 merges, 272 tensor
        // infos) is the first 1.8 MB; mutate bytes in its first 64 KiB and in the tensor directory.
        let original = try Data(contentsOf: URL(fileURLWithPath: SharedModel.ggufPath)).prefix(1_790_000)
        var generator = SeededGenerator(seed: 7)
        let folder = try TemporaryDirectory()
        for round in 0..<12 {
            var mutated = original
            let region = round % 2 == 0 ? 0..<65_536 : 1_760_000..<1_785_000
            for _ in 0..<8 {
                let index = region.lowerBound + Int(generator.next() % UInt64(region.count))
                mutated[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            try mutated.write(to: URL(fileURLWithPath: folder.file("f.gguf")))
            // Cut before the tensor data, so every parse that gets that far must fail cleanly.
            #expect(throws: ModelError.self) { try GGUFFile(path: folder.file("f.gguf")) }
        }
    }
}
