import Foundation

/// Backward passes of the pieces of a LLaMA block (../shared/BACKWARD.md), on tokens-by-channels
/// matrices in fp32, products on BLAS. Weights are frozen: only what BESA needs is computed —
/// gradients with respect to inputs (to keep going down the block) and to masks.
enum LayerGradients {
    /// y = x (W ⊙ M)ᵀ. Given dy: dx = dy W', and dM = (dyᵀ x) ⊙ W (one sgemm over all tokens).
    static func maskedLinear(x: Matrix, maskedWeight: Matrix, weight: Matrix, dy: Matrix) -> (dx: Matrix, dMask: Matrix) {
        let dx = BLAS.matmul(dy, maskedWeight)
        var dMask = BLAS.matmul(dy, transposeA: true, x)
        for i in dMask.values.indices { dMask.values[i] *= weight.values[i] }
        return (dx, dMask)
    }

    /// RMSNorm y = g ⊙ x / r, r = sqrt(mean(x²) + ε). With a = g ⊙ dy:
    /// dx = a / r − x · Σ(a ⊙ x) / (d · r³), per token.
    static func rmsNorm(x: Matrix, weight: [Float], epsilon: Double, dy: Matrix) -> Matrix {
        var dx = Matrix(rows: x.rows, cols: x.cols)
        let d = Float(x.cols), eps = Float(epsilon)
        for t in 0..<x.rows {
            let base = t * x.cols
            var squares: Float = 0, dot: Float = 0
            for j in 0..<x.cols {
                let value = x.values[base + j]
                squares += value * value
                dot += weight[j] * dy.values[base + j] * value
            }
            let r = (squares / d + eps).squareRoot()
            let correction = dot / (d * r * r * r)
            for j in 0..<x.cols {
                dx.values[base + j] = weight[j] * dy.values[base + j] / r - x.values[base + j] * correction
            }
        }
        return dx
    }

    /// m = silu(a) ⊙ b. Given dm: da = dm ⊙ b ⊙ σ(a)(1 + a(1 − σ(a))), db = dm ⊙ silu(a).
    static func swiGLU(gate a: Matrix, up b: Matrix, dm: Matrix) -> (dGate: Matrix, dUp: Matrix) {
        var dGate = Matrix(rows: a.rows, cols: a.cols), dUp = dGate
        for i in a.values.indices {
            let value = a.values[i]
            let sigma = 1 / (1 + exp(-value))
            dUp.values[i] = dm.values[i] * value * sigma
            dGate.values[i] = dm.values[i] * b.values[i] * sigma * (1 + value * (1 - sigma))
        }
        return (dGate, dUp)
    }
}
