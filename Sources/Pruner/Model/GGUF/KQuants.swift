/// Block decoders of the GGML formats with a fifth bit per weight (Q5_0, Q5_1) and of the
/// "k-quants" (Q2_K ... Q6_K), whose 256-weight super-blocks carry one fp16 scale (and one fp16
/// minimum) refined by a small integer scale per sub-block. Layouts as in ggml's `block_q*`
/// structs; the tests decode random blocks with the `gguf` Python package and compare.
enum KQuants {
    /// Q5_0 / Q5_1: fp16 d (, fp16 m), a 32-bit word of fifth bits, 16 bytes of nibbles.
    /// Weight j < 16: low nibble of byte j, fifth bit j; weight j + 16: high nibble, bit j + 16.
    /// Q5_0: x = d · (q − 16); Q5_1: x = d · q + m.
    static func q5(_ block: UnsafeRawBufferPointer, withMinimum: Bool, into y: UnsafeMutableBufferPointer<Float>) {
        let d = Float(GGMLType.half(block, 0))
        let minimum = withMinimum ? Float(GGMLType.half(block, 2)) : 0
        let offset = withMinimum ? 4 : 2
        let high = block.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
        for j in 0..<16 {
            let byte = block[offset + 4 + j]
            let low = Int(byte & 0x0F) | Int((high >> UInt32(j)) & 1) << 4
            let up = Int(byte >> 4) | Int((high >> UInt32(j + 16)) & 1) << 4
            if withMinimum {
                y[j] = d * Float(low) + minimum
                y[j + 16] = d * Float(up) + minimum
            } else {
                y[j] = d * Float(low - 16)
                y[j + 16] = d * Float(up - 16)
            }
        }
    }

    /// The 6-bit scale and minimum of sub-block `j` (0..<8) packed in 12 bytes.
    @inline(__always)
    static func scaleAndMinimum(_ scales: UnsafeRawBufferPointer, _ j: Int) -> (Float, Float) {
        if j < 4 { return (Float(scales[j] & 63), Float(scales[j + 4] & 63)) }
        let scale = (scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4)
        let minimum = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4)
        return (Float(scale), Float(minimum))
    }

    /// The two sub-blocks' multipliers and offsets of each 64-weight chunk of a Q4_K/Q5_K block:
    /// (d · scale, dmin · minimum) for sub-blocks 2·chunk and 2·chunk + 1.
    @inline(__always)
    static func chunkScales(_ block: UnsafeRawBufferPointer, chunk: Int) -> (d1: Float, min1: Float, d2: Float, min2: Float) {
        let d = Float(GGMLType.half(block, 0)), dmin = Float(GGMLType.half(block, 2))
        let scales = UnsafeRawBufferPointer(rebasing: block[4..<16])
        let (s1, m1) = scaleAndMinimum(scales, 2 * chunk), (s2, m2) = scaleAndMinimum(scales, 2 * chunk + 1)
        return (d * s1, dmin * m1, d * s2, dmin * m2)
    }

    /// Q4_K (144 bytes): fp16 d, fp16 dmin, 12 bytes of scales, 128 bytes of nibbles. Each 64
    /// weights: 32 low nibbles (sub-block 2i), then the same bytes' high nibbles (sub-block 2i + 1);
    /// x = d · scale · q − dmin · minimum.
    static func q4K(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>) {
        for chunk in 0..<4 {
            let (d1, min1, d2, min2) = chunkScales(block, chunk: chunk)
            for l in 0..<32 {
                let byte = block[16 + 32 * chunk + l]
                y[64 * chunk + l] = d1 * Float(byte & 0x0F) - min1
                y[64 * chunk + 32 + l] = d2 * Float(byte >> 4) - min2
            }
        }
    }

    /// Q5_K (176 bytes): as Q4_K with 32 bytes of fifth bits after the scales: bit 2i of byte l is
    /// the fifth bit of weight l of chunk i's low half, bit 2i + 1 of its high half.
    static func q5K(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>) {
        for chunk in 0..<4 {
            let (d1, min1, d2, min2) = chunkScales(block, chunk: chunk)
            let lowBit = UInt8(1) << (2 * chunk), highBit = UInt8(2) << (2 * chunk)
            for l in 0..<32 {
                let byte = block[48 + 32 * chunk + l], fifth = block[16 + l]
                y[64 * chunk + l] = d1 * Float(Int(byte & 0x0F) + (fifth & lowBit != 0 ? 16 : 0)) - min1
                y[64 * chunk + 32 + l] = d2 * Float(Int(byte >> 4) + (fifth & highBit != 0 ? 16 : 0)) - min2
            }
        }
    }

    /// Q6_K (210 bytes): 128 bytes of low nibbles, 64 bytes of 2-bit high parts, 16 int8 scales
    /// (one per 16 weights), fp16 d. Per half of 128 weights, weight l + 32k (k = 0...3) takes its
    /// low nibble from byte l (k even) or l + 32 (k odd), low or high nibble by k / 2, and bits
    /// 2k...2k+1 of high byte l; x = d · scale · (q − 32).
    static func q6K(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>) {
        let d = Float(GGMLType.half(block, 208))
        for half in 0..<2 {
            let low = 64 * half, high = 128 + 32 * half, scale = 192 + 8 * half
            for l in 0..<32 {
                let group = l / 16
                let bits = block[high + l]
                for k in 0..<4 {
                    let lowByte = block[low + l + 32 * (k % 2)]
                    let nibble = k < 2 ? lowByte & 0x0F : lowByte >> 4
                    let q = Int(nibble) | Int((bits >> UInt8(2 * k)) & 3) << 4
                    let sub = Float(Int8(bitPattern: block[scale + group + 2 * k]))
                    y[128 * half + l + 32 * k] = d * sub * Float(q - 32)
                }
            }
        }
    }

    /// Q2_K (84 bytes): 16 scale bytes (low nibble: scale, high nibble: minimum, one per 16 weights),
    /// 64 bytes of 2-bit quants, fp16 d, fp16 dmin. Per half of 128 weights, byte l holds weight
    /// l + 32j (plus 16 for the second group of each j) at bits 2j...2j+1; x = d · scale · q − dmin · minimum.
    static func q2K(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>) {
        let d = Float(GGMLType.half(block, 80)), dmin = Float(GGMLType.half(block, 82))
        var output = 0, scale = 0
        for half in 0..<2 {
            for j in 0..<4 {
                for group in 0..<2 {
                    let sc = block[scale]
                    scale += 1
                    let multiplier = d * Float(sc & 0x0F), offset = dmin * Float(sc >> 4)
                    for l in 0..<16 {
                        let q = (block[16 + 32 * half + 16 * group + l] >> UInt8(2 * j)) & 3
                        y[output] = multiplier * Float(q) - offset
                        output += 1
                    }
                }
            }
        }
    }

    /// Q3_K (110 bytes): 32 bytes of high bits, 64 bytes of 2-bit quants, 12 bytes packing sixteen
    /// 6-bit scales (low 4 bits in bytes 0...7, high 2 bits in bytes 8...11), fp16 d. Weight order as
    /// Q2_K; the high bit of weight l + 32j (+16) of half h is bit 4h + j of high-bit byte l (+16), and
    /// a clear high bit subtracts 4; x = d · (scale − 32) · q.
    static func q3K(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>) {
        let d = Float(GGMLType.half(block, 108))
        var scales = [Int](repeating: 0, count: 16)
        for index in 0..<16 {
            let low = index < 8 ? block[96 + index] & 0x0F : block[96 + index - 8] >> 4
            let high = (block[104 + index % 4] >> UInt8(2 * (index / 4))) & 3
            scales[index] = Int(low | high << 4) - 32
        }
        var output = 0, scale = 0
        var bit: UInt8 = 1
        for half in 0..<2 {
            for j in 0..<4 {
                for group in 0..<2 {
                    let multiplier = d * Float(scales[scale])
                    scale += 1
                    for l in 0..<16 {
                        let q = Int((block[32 + 32 * half + 16 * group + l] >> UInt8(2 * j)) & 3)
                        let high = block[16 * group + l] & bit != 0 ? 0 : 4
                        y[output] = multiplier * Float(q - high)
                        output += 1
                    }
                }
                bit <<= 1
            }
        }
    }
}
