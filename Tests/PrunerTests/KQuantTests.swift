import Foundation
import Testing
import TestSupport
@testable import Pruner

/// The Q5 and k-quant decoders against the `gguf` Python package's own dequantizer
/// (`gguf.quants.dequantize`), on random blocks: every bit pattern of the quants and scales, with
/// finite fp16 super-block scales.
@Suite struct KQuantTests {
    static let hasGGUF: Bool = (try? ExternalProcess.python(["-c", "import gguf, numpy"]).status) == 0

    /// `blocks` random blocks of `type` whose fp16 fields are finite scales in ±(2⁻¹⁰ ... 2).
    static func randomBlocks(_ type: GGMLType, blocks: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix(seed: seed)
        var bytes = (0..<blocks * type.bytesPerBlock).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let halfOffsets: [Int] = switch type {
        case .q5_0, .q4_K, .q5_K: type == .q5_0 ? [0] : [0, 2]
        case .q5_1: [0, 2]
        case .q6_K: [208]
        case .q2_K: [80, 82]
        case .q3_K: [108]
        default: []
        }
        for block in 0..<blocks {
            for offset in halfOffsets {
                let magnitude = Float(generator.next() % 1000 + 1) / 512
                let sign: Float = generator.next() % 2 == 0 ? 1 : -1
                let bits = Float16(sign * magnitude).bitPattern
                bytes[block * type.bytesPerBlock + offset] = UInt8(bits & 0xFF)
                bytes[block * type.bytesPerBlock + offset + 1] = UInt8(bits >> 8)
            }
        }
        return bytes
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(.enabled(if: hasGGUF || ExternalProcess.mustRunEverything, "python3 with the gguf package is not installed"),
          arguments: [GGMLType.q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K])
    func matchesTheGGUFPackage(type: GGMLType) throws {
        let blocks = 64
        let bytes = Self.randomBlocks(type, blocks: blocks, seed: UInt64(type.rawValue))
        let folder = try TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: folder.file("blocks.bin")))
        let script = """
            import sys, numpy as np
            from gguf import quants, GGMLQuantizationType as T
            raw = np.fromfile(sys.argv[1], dtype=np.uint8)
            values = quants.dequantize(raw, T[sys.argv[2]]).astype(np.float32)
            values.tofile(sys.argv[3])
            """
        let result = try ExternalProcess.python(["-c", script, folder.file("blocks.bin"), type.name, folder.file("out.bin")])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try SharedModel.readArray(folder.file("out.bin"), as: Float.self)
        let count = blocks * type.blockSize
        #expect(reference.count == count)
        var ours = [Float](repeating: .nan, count: count)
        bytes.withUnsafeBytes { source in
            ours.withUnsafeMutableBufferPointer { type.decode(source, count: count, into: $0) }
        }
        let largest = reference.map(abs).max()!
        #expect(largest > 0)
        var worst: Float = 0
        for (a, b) in zip(ours, reference) { worst = max(worst, abs(a - b)) }
        // float32 rounding of d · scale · q in a different order at most.
        #expect(worst <= 1e-6 * largest, "\(type.name): max |Δ| \(worst) of \(largest)")
    }

    @Test func q5HandWorked() {
        // Q5_0, d = 0.5: byte j = 0x0F (low nibble 15, high nibble 0); fifth bits set for weights 0
        // and 16: x_0 = 0.5 · (31 − 16), x_1 = 0.5 · (15 − 16), x_16 = 0.5 · (16 − 16), x_17 = 0.5 · −16.
        var block = [UInt8](GGUFBuilder.half(0.5))
        block += [0x01, 0x00, 0x01, 0x00]  // bits 0 and 16 of the little-endian word
        block += [UInt8](repeating: 0x0F, count: 16)
        var out = [Float](repeating: 0, count: 32)
        block.withUnsafeBytes { source in out.withUnsafeMutableBufferPointer { GGMLType.q5_0.decode(source, count: 32, into: $0) } }
        #expect(out[0] == 7.5 && out[1] == -0.5 && out[16] == 0 && out[17] == -8)
    }
}
