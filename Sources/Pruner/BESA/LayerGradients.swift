import Foundation

/// Backward passes of the pieces of a LLaMA block (../shared/BACKWARD.md), on tokens-by-channels
/// matrices in fp32, products on BLAS. Weights are frozen: only what BESA needs is computed —
/// gradients with respect to inputs (to keep going down the block) and to masks.
enum LayerGradients {
    /// y = x W'ᵀ with W' = W ⊙ M (or a quantised W ⊙ M). Given dy: dx = dy W', dW' = dyᵀ x (one
    /// sgemm over all tokens), and dM = dW' ⊙ W (straight through any quantiser).
    static func maskedLinear(x: Matrix, maskedWeight: Matrix, weight: Matrix, dy: Matrix) -> (dx: Matrix, dMask: Matrix, dWeight: Matrix) {
        let dx = BLAS.matmul(dy, maskedWeight)
        let dWeight = BLAS.matmul(dy, transposeA: true, x)
        var dMask = dWeight
        for i in dMask.values.indices { dMask.values[i] *= weight.values[i] }
        return (dx, dMask, dWeight)
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
        var dGate = Matrix.uninitialized(rows: a.rows, cols: a.cols), dUp = dGate  // every value written below
        a.values.withUnsafeBufferPointer { a in
        b.values.withUnsafeBufferPointer { b in
        dm.values.withUnsafeBufferPointer { dm in
        dGate.values.withUnsafeMutableBufferPointer { dGate in
        dUp.values.withUnsafeMutableBufferPointer { dUp in
            VectorMath.swiGLUBackward(gate: a.baseAddress!, up: b.baseAddress!, dm: dm.baseAddress!,
                                      dGate: dGate.baseAddress!, dUp: dUp.baseAddress!, count: a.count)
        }}}}}
        return (dGate, dUp)
    }
}

extension LayerGradients {
    /// Causal attention with grouped key/value heads, backward (BACKWARD.md):
    /// dV = Pᵀ dO, dP = dO Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS K / √d, dK = dSᵀ Q / √d;
    /// the query heads that share a key/value head add their dK and dV. P is recomputed from Q and K.
    static func attention(q: Matrix, k: Matrix, v: Matrix, heads: Int, keyValueHeads: Int, headDim: Int, dOutput: Matrix)
        -> (dq: Matrix, dk: Matrix, dv: Matrix) {
        let tokens = q.rows, group = heads / keyValueHeads
        let scale = 1 / Float(headDim).squareRoot()
        var dq = Matrix(rows: tokens, cols: q.cols), dk = Matrix(rows: tokens, cols: k.cols), dv = Matrix(rows: tokens, cols: v.cols)
        var p = [Float](repeating: 0, count: tokens * tokens), dp = p
        q.values.withUnsafeBufferPointer { qp in
        k.values.withUnsafeBufferPointer { kp in
        v.values.withUnsafeBufferPointer { vp in
        dOutput.values.withUnsafeBufferPointer { op in
        dq.values.withUnsafeMutableBufferPointer { dqp in
        dk.values.withUnsafeMutableBufferPointer { dkp in
        dv.values.withUnsafeMutableBufferPointer { dvp in
        p.withUnsafeMutableBufferPointer { pp in
        dp.withUnsafeMutableBufferPointer { dpp in
            for head in 0..<heads {
                let kvHead = head / group
                let (qh, kh, vh) = (qp.baseAddress! + head * headDim, kp.baseAddress! + kvHead * headDim, vp.baseAddress! + kvHead * headDim)
                let oh = op.baseAddress! + head * headDim
                // P = causal softmax(Q Kᵀ / √d)
                BLAS.gemm(m: tokens, n: tokens, k: headDim, alpha: scale, qh, lda: q.cols, kh, ldb: k.cols, transposeB: true,
                          pp.baseAddress!, ldc: tokens)
                Attention.causalSoftmax(pp, rows: tokens, keys: tokens, firstRow: 0)
                // dV_g += Pᵀ dO_h
                BLAS.gemm(m: tokens, n: headDim, k: tokens, pp.baseAddress!, lda: tokens, transposeA: true, oh, ldb: dOutput.cols,
                          beta: 1, dvp.baseAddress! + kvHead * headDim, ldc: v.cols)
                // dP = dO_h V_gᵀ, then dS = P ⊙ (dP − rowsum(dP ⊙ P)), in place in dp
                BLAS.gemm(m: tokens, n: tokens, k: headDim, oh, lda: dOutput.cols, vh, ldb: v.cols, transposeB: true,
                          dpp.baseAddress!, ldc: tokens)
                for row in 0..<tokens {
                    let (dRow, pRow, visible) = (dpp.baseAddress! + row * tokens, pp.baseAddress! + row * tokens, row + 1)
                    var dot: Float = 0
                    for col in 0..<visible { dot += dRow[col] * pRow[col] }
                    for col in 0..<visible { dRow[col] = pRow[col] * (dRow[col] - dot) }
                    (dRow + visible).update(repeating: 0, count: tokens - visible)
                }
                // dQ_h = dS K_g / √d;  dK_g += dSᵀ Q_h / √d
                BLAS.gemm(m: tokens, n: headDim, k: tokens, alpha: scale, dpp.baseAddress!, lda: tokens, kh, ldb: k.cols,
                          dqp.baseAddress! + head * headDim, ldc: q.cols)
                BLAS.gemm(m: tokens, n: headDim, k: tokens, alpha: scale, dpp.baseAddress!, lda: tokens, transposeA: true,
                          qh, ldb: q.cols, beta: 1, dkp.baseAddress! + kvHead * headDim, ldc: k.cols)
            }
        }}}}}}}}}
        return (dq, dk, dv)
    }
}
