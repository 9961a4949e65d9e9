/// exp and the functions built on it (SiLU, softmax), written so that the compiler vectorises
/// them: the forward and backward passes call them tens of millions of times per window, where a
/// libm call per element costs more than the arithmetic around it.
///
/// exp(x) = 2ⁿ · e^r with n = round(x / ln 2) and r = x − n ln 2 ∈ [−ln2/2, ln2/2]; e^r by a
/// degree-6 polynomial (Cephes' expf coefficients), 2ⁿ by writing n into the exponent bits. It
/// is branch-free plain arithmetic, so loops over it vectorise. Relative error ≤ 2 ulp against a
/// double-precision exp for x in [−87.3, 88.3] (tested); below −87.3, −∞ included, it is 0, and
/// above 88.3 it is +∞ (2¹²⁸ has no float exponent). Element-wise loops are plain loops the
/// auto-vectoriser handles; reductions use SIMD8 accumulators, which it would not form itself
/// (float addition is not associative).
public enum VectorMath {
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let clamped = min(max(x, -87.3), 88.3)
        // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits.
        let shifter: Float = 12_582_912
        let shifted = clamped * 1.442_695_04 + shifter
        let n = shifted - shifter
        let r = (clamped - n * 0.693_359_375) - n * -2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5.000_000_1e-1
        p = p * r * r + r + 1
        let exponent = (Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000 &+ 127) &<< 23
        let e = p * Float(bitPattern: UInt32(bitPattern: exponent))
        return x < -87.3 ? 0 : (x > 88.3 ? .infinity : e)
    }

    /// values[i] = exp(values[i] − shift), returning their sum.
    @discardableResult
    public static func expInPlace(_ values: UnsafeMutablePointer<Float>, count: Int, shift: Float = 0) -> Double {
        for i in 0..<count { values[i] = exp(values[i] - shift) }
        return sum(values, count: count)
    }

    /// The sum of `count` values: runs of 512 in eight float lanes, the runs' totals in Double, so a
    /// vocabulary-long sum (49,152 terms) keeps double-like accuracy.
    public static func sum(_ values: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        for start in stride(from: 0, to: count, by: 512) {
            let end = min(start + 512, count)
            var lanes = SIMD8<Float>(), i = start
            while i + 8 <= end {
                lanes += load(values + i)
                i += 8
            }
            var run = lanes.sum()
            while i < end {
                run += values[i]
                i += 1
            }
            total += Double(run)
        }
        return total
    }

    /// The largest of `count` values (−∞ for none).
    public static func maximum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var largest = SIMD8<Float>(repeating: -.infinity), i = 0
        while i + 8 <= count {
            let x = load(values + i)
            largest.replace(with: x, where: x .> largest)
            i += 8
        }
        var result = largest.max()
        while i < count {
            result = max(result, values[i])
            i += 1
        }
        return result
    }

    /// values[i] *= factor.
    public static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        for i in 0..<count { values[i] *= factor }
    }

    /// In-place softmax of `count` values: exp(x − max) / sum.
    public static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let sum = expInPlace(values, count: count, shift: maximum(values, count: count))
        scale(values, count: count, by: Float(1 / sum))
    }

    /// gate[i] = silu(gate[i]) · up[i], silu(a) = a / (1 + e^−a).
    public static func swiGLU(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let a = gate[i]
            gate[i] = a / (1 + exp(-a)) * up[i]
        }
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
}
