/// The tensor encodings of GGUF files that sparsim reads, and how to decode each to Float.
///
/// Block formats (32 weights per block; weight j < 16 in the low nibble of byte j, weight j + 16
/// in its high nibble):
/// - Q8_0: fp16 scale d, 32 × int8 q: x = d · q (34 bytes)
/// - Q4_0: fp16 scale d, 16 bytes of nibbles: x = d · (q − 8) (18 bytes)
/// - Q4_1: fp16 scale d, fp16 minimum m, 16 bytes of nibbles: x = d · q + m (20 bytes)
/// - Q5_0, Q5_1: as Q4_0, Q4_1 with a fifth bit per weight in a 32-bit word (22, 24 bytes)
/// - Q2_K, Q3_K, Q4_K, Q5_K, Q6_K: 256-weight super-blocks with 6- or 8-bit sub-block scales (`KQuants`)
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q2_K = 10
    case q3_K = 11
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case bf16 = 30

    /// Weights per block and bytes per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K: 256
        }
    }

    public var bytesPerBlock: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18
        case .q4_1: 20
        case .q5_0: 22
        case .q5_1: 24
        case .q8_0: 34
        case .q2_K: 84
        case .q3_K: 110
        case .q4_K: 144
        case .q5_K: 176
        case .q6_K: 210
        }
    }

    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        }
    }

    /// Names of the GGML types sparsim does not decode, for error messages.
    static let otherNames: [UInt32: String] = [
        9: "Q8_1", 15: "Q8_K",
        16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
        23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M",
    ]

    /// Bytes of `count` weights (count must be a multiple of the block size).
    public func byteCount(_ count: Int) -> Int { count / blockSize * bytesPerBlock }

    /// Decodes `count` weights from `source` into `destination`.
    func decode(_ source: UnsafeRawBufferPointer, count: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(count % blockSize == 0 && source.count >= byteCount(count) && destination.count >= count)
        switch self {
        case .f32:
            for i in 0..<count { destination[i] = Float(bitPattern: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
        case .f16:
            for i in 0..<count { destination[i] = Float(Self.half(source, 2 * i)) }
        case .bf16:
            for i in 0..<count {
                destination[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16)
            }
        case .q8_0:
            for block in 0..<count / 32 {
                let base = block * 34
                let scale = Float(Self.half(source, base))
                for j in 0..<32 { destination[block * 32 + j] = scale * Float(Int8(bitPattern: source[base + 2 + j])) }
            }
        case .q4_0:
            for block in 0..<count / 32 {
                let base = block * 18
                let scale = Float(Self.half(source, base))
                for j in 0..<16 {
                    let byte = source[base + 2 + j]
                    destination[block * 32 + j] = scale * Float(Int(byte & 0x0F) - 8)
                    destination[block * 32 + j + 16] = scale * Float(Int(byte >> 4) - 8)
                }
            }
        case .q4_1:
            for block in 0..<count / 32 {
                let base = block * 20
                let scale = Float(Self.half(source, base)), minimum = Float(Self.half(source, base + 2))
                for j in 0..<16 {
                    let byte = source[base + 4 + j]
                    destination[block * 32 + j] = scale * Float(byte & 0x0F) + minimum
                    destination[block * 32 + j + 16] = scale * Float(byte >> 4) + minimum
                }
            }
        case .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
            for block in 0..<count / blockSize {
                let blockBytes = UnsafeRawBufferPointer(rebasing: source[block * bytesPerBlock..<(block + 1) * bytesPerBlock])
                let output = UnsafeMutableBufferPointer(rebasing: destination[block * blockSize..<(block + 1) * blockSize])
                switch self {
                case .q5_0: KQuants.q5(blockBytes, withMinimum: false, into: output)
                case .q5_1: KQuants.q5(blockBytes, withMinimum: true, into: output)
                case .q2_K: KQuants.q2K(blockBytes, into: output)
                case .q3_K: KQuants.q3K(blockBytes, into: output)
                case .q4_K: KQuants.q4K(blockBytes, into: output)
                case .q5_K: KQuants.q5K(blockBytes, into: output)
                default: KQuants.q6K(blockBytes, into: output)
                }
            }
        }
    }

    @inline(__always)
    static func half(_ source: UnsafeRawBufferPointer, _ offset: Int) -> Float16 {
        Float16(bitPattern: source.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian)
    }
}
