import SIMDKernels

/// exp and the functions built on it (SiLU, softmax), and the reductions around them: the forward
/// and backward passes call them tens of millions of times per window, where a libm call per
/// element costs more than the arithmetic around it.
///
/// The bodies are C (`Sources/SIMDKernels`), compiled for SSE2, AVX2 and AVX-512; every function
/// runs the copy of the highest level the CPU supports unless given another (tests check every
/// copy that way). exp(x) = 2ⁿ · e^r with n = round(x / ln 2) and r = x − n ln 2 ∈ [−ln2/2, ln2/2];
/// e^r by a degree-6 polynomial (Cephes' expf coefficients), 2ⁿ by writing n into the exponent
/// bits: relative error ≤ 2 ulp against a double-precision exp for x in [−87.3, 88.3]; below
/// −87.3, −∞ included, it is 0, and above 88.3 it is +∞. Float reductions keep vector lanes, so
/// sums differ from a left-to-right loop by float rounding, and the levels differ from each other
/// by the rounding of fused multiply-adds.
public enum VectorMath {
    /// The instruction-set levels the kernels are compiled for, lowest first.
    public enum InstructionSet: Int, CaseIterable, Sendable, CustomStringConvertible {
        case baseline, avx2, avx512

        /// The highest level this CPU runs.
        public static let supported = InstructionSet(rawValue: Int(sparsim_isa_supported().rawValue))!

        public var description: String {
            switch self {
            case .baseline: "baseline (SSE2)"
            case .avx2: "AVX2 + FMA"
            case .avx512: "AVX-512"
            }
        }

        /// This level's copy of the kernels (the supported level's when this one is higher).
        var kernels: sparsim_kernel_table {
            sparsim_kernels(sparsim_isa(rawValue: UInt32(rawValue))).pointee
        }
    }

    /// values[i] = exp(values[i] − shift), returning their sum: runs of 512 in float lanes, the
    /// runs' totals in Double, so a vocabulary-long sum (49,152 terms) keeps double-like accuracy.
    @discardableResult
    public static func expInPlace(_ values: UnsafeMutablePointer<Float>, count: Int, shift: Float = 0,
                                  using level: InstructionSet = .supported) -> Double {
        level.kernels.exp_shifted_sum(values, count, shift)
    }

    /// The largest of `count` values (−∞ for none).
    public static func maximum(_ values: UnsafePointer<Float>, count: Int, using level: InstructionSet = .supported) -> Float {
        level.kernels.maximum(values, count)
    }

    /// values[i] *= factor.
    public static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float,
                             using level: InstructionSet = .supported) {
        level.kernels.scale(values, count, factor)
    }

    /// Σ a[i] · b[i].
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
                           using level: InstructionSet = .supported) -> Float {
        level.kernels.dot(a, b, count)
    }

    /// In-place softmax of `count` values: exp(x − max) / sum.
    public static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int, using level: InstructionSet = .supported) {
        let sum = expInPlace(values, count: count, shift: maximum(values, count: count, using: level), using: level)
        scale(values, count: count, by: Float(1 / sum), using: level)
    }

    /// gate[i] = silu(gate[i]) · up[i], silu(a) = a / (1 + e^−a).
    public static func swiGLU(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int,
                              using level: InstructionSet = .supported) {
        level.kernels.swiglu(gate, up, count)
    }

    /// result[i] = exp(x[i]) in Double: the same reduction with ln 2 in two parts and e^r by its
    /// Taylor polynomial to degree 13, ≤ 2 ulp against Foundation's exp on [−708, 709] (clamped
    /// outside, where 2ⁿ would leave the normal doubles).
    public static func exp(_ x: UnsafePointer<Double>, into result: UnsafeMutablePointer<Double>, count: Int,
                           using level: InstructionSet = .supported) {
        level.kernels.exp_double(x, result, count)
    }

    /// BESA's distribution over candidate sparsities for one group (`SparsityLogits`): z = sigmoid(α)
    /// (or α itself when `sigmoid` is false) and p = softmax(z) written to `z` and `p`; returns
    /// Σ p_k · candidates[k]. Double throughout, with the double exp above.
    public static func candidateDistribution(logits alpha: UnsafePointer<Double>, count: Int, sigmoid: Bool,
                                             candidates: UnsafePointer<Double>, exponents z: UnsafeMutablePointer<Double>,
                                             probabilities p: UnsafeMutablePointer<Double>, using level: InstructionSet = .supported) -> Double {
        level.kernels.candidate_distribution(alpha, count, sigmoid ? 1 : 0, candidates, z, p)
    }

    /// The backward of m = silu(a) ⊙ b given dm: da = dm ⊙ b ⊙ σ(a)(1 + a(1 − σ(a))), db = dm ⊙ silu(a).
    public static func swiGLUBackward(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, dm: UnsafePointer<Float>,
                                      dGate: UnsafeMutablePointer<Float>, dUp: UnsafeMutablePointer<Float>, count: Int,
                                      using level: InstructionSet = .supported) {
        level.kernels.swiglu_backward(gate, up, dm, dGate, dUp, count)
    }
}
