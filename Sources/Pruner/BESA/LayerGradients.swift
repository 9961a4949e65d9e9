import Foundation

/// Backward passes of the pieces of a LLaMA block (../shared/BACKWARD.md), on tokens-by-channels
/// matrices in fp32, products on BLAS. Weights are frozen: only what BESA needs is computed —
/// gradients with respect to inputs (to keep going down the block) and to masks.
enum LayerGradients {
    /// y = x W'ᵀ with W' = W ⊙ M (or a quantised W ⊙ M). Given dy: dx = dy W', dW' = dyᵀ x (one
    /// sgemm over all tokens), and dM = dW' ⊙ W (straight through any quantiser).
    static func maskedLinear(x: Matrix, maskedWeight: Matrix, weight: Matrix, dy: Matrix) -> (dx: Matrix, dMask: Matrix, dWeight: Matrix) {
        let (dMask, dWeight) = maskAndWeightGradients(x: x, weight: weight, dy: dy)
        return (BLAS.matmul(dy, maskedWeight), dMask, dWeight)
    }

    /// dM and dW' of `maskedLinear` without dx (for the first linears of a block, when nothing
    /// needs the gradient of the block's input).
    static func maskAndWeightGradients(x: Matrix, weight: Matrix, dy: Matrix) -> (dMask: Matrix, dWeight: Matrix) {
        let dWeight = BLAS.matmul(dy, transposeA: true, x)
        var dMask = Matrix.uninitialized(rows: dWeight.rows, cols: dWeight.cols)
        dMask.values.withUnsafeMutableBufferPointer { dMask in
            dWeight.values.withUnsafeBufferPointer { dWeight in
                weight.values.withUnsafeBufferPointer { weight in
                    for i in 0..<dMask.count { dMask[i] = dWeight[i] * weight[i] }
                }
            }
        }
        return (dMask, dWeight)
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
    static let attentionRowBlock = 128

    /// Causal attention with grouped key/value heads, backward (BACKWARD.md):
    /// dV = Pᵀ dO, dP = dO Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS K / √d, dK = dSᵀ Q / √d;
    /// the query heads that share a key/value head add their dK and dV. P is recomputed from Q and
    /// K, one block of query rows at a time over the keys up to the block's last row (the rest of
    /// P is 0), so every product skips the masked upper triangle. The heads run concurrently, each
    /// with single-threaded BLAS and its own dK, dV, added per group at the end.
    static func attention(q: Matrix, k: Matrix, v: Matrix, heads: Int, keyValueHeads: Int, headDim: Int, dOutput: Matrix,
                          rowBlock: Int = attentionRowBlock) -> (dq: Matrix, dk: Matrix, dv: Matrix) {
        let tokens = q.rows, group = heads / keyValueHeads
        let scale = 1 / Float(headDim).squareRoot()
        var dq = Matrix.uninitialized(rows: tokens, cols: q.cols)  // every head writes its columns of every row block
        let perHead: [(dk: [Float], dv: [Float])] = BLASThreads.withSingleThreadedBLAS {
            q.values.withUnsafeBufferPointer { qp in
            k.values.withUnsafeBufferPointer { kp in
            v.values.withUnsafeBufferPointer { vp in
            dOutput.values.withUnsafeBufferPointer { op in
            dq.values.withUnsafeMutableBufferPointer { dqp in
                nonisolated(unsafe) let dqBase = dqp.baseAddress!
                return Parallel.map(heads) { head in
                    let kvHead = head / group
                    let (qh, kh, vh) = (qp.baseAddress! + head * headDim, kp.baseAddress! + kvHead * headDim, vp.baseAddress! + kvHead * headDim)
                    let (oh, dqh) = (op.baseAddress! + head * headDim, dqBase + head * headDim)
                    var dk = [Float](repeating: 0, count: tokens * headDim), dv = dk
                    let p = UnsafeMutablePointer<Float>.allocate(capacity: 2 * rowBlock * tokens)
                    defer { p.deallocate() }
                    let dp = p + rowBlock * tokens
                    dk.withUnsafeMutableBufferPointer { dkp in
                    dv.withUnsafeMutableBufferPointer { dvp in
                        let (dkh, dvh) = (dkp.baseAddress!, dvp.baseAddress!)
                        for first in stride(from: 0, to: tokens, by: rowBlock) {
                            let rows = min(rowBlock, tokens - first), keys = first + rows
                            let (qRows, oRows) = (qh + first * q.cols, oh + first * dOutput.cols)
                            // P = causal softmax(Q Kᵀ / √d) for these rows, keys 0..<keys
                            BLAS.gemm(m: rows, n: keys, k: headDim, alpha: scale, qRows, lda: q.cols, kh, ldb: k.cols, transposeB: true, p, ldc: keys)
                            Attention.causalSoftmax(UnsafeMutableBufferPointer(start: p, count: rows * keys), rows: rows, keys: keys, firstRow: first)
                            // dV_h[0..<keys] += Pᵀ dO_h[rows]
                            BLAS.gemm(m: keys, n: headDim, k: rows, p, lda: keys, transposeA: true, oRows, ldb: dOutput.cols,
                                      beta: 1, dvh, ldc: headDim)
                            // dP = dO_h[rows] V_gᵀ, then dS = P ⊙ (dP − rowsum(dP ⊙ P)) in place
                            BLAS.gemm(m: rows, n: keys, k: headDim, oRows, lda: dOutput.cols, vh, ldb: v.cols, transposeB: true, dp, ldc: keys)
                            for row in 0..<rows {
                                let (dRow, pRow, visible) = (dp + row * keys, p + row * keys, first + row + 1)
                                let dot = VectorMath.dot(dRow, pRow, count: visible)
                                for col in 0..<visible { dRow[col] = pRow[col] * (dRow[col] - dot) }
                                (dRow + visible).update(repeating: 0, count: keys - visible)
                            }
                            // dQ_h[rows] = dS K_g / √d;  dK_h[0..<keys] += dSᵀ Q_h[rows] / √d
                            BLAS.gemm(m: rows, n: headDim, k: keys, alpha: scale, dp, lda: keys, kh, ldb: k.cols,
                                      dqh + first * q.cols, ldc: q.cols)
                            BLAS.gemm(m: keys, n: headDim, k: rows, alpha: scale, dp, lda: keys, transposeA: true, qRows, ldb: q.cols,
                                      beta: 1, dkh, ldc: headDim)
                        }
                    }}
                    return (dk, dv)
                }
            }}}}}
        }
        // Each key/value head's gradients: the sum over the query heads of its group.
        var dk = Matrix(rows: tokens, cols: k.cols), dv = Matrix(rows: tokens, cols: v.cols)
        for head in 0..<heads {
            let column = (head / group) * headDim
            for token in 0..<tokens {
                for c in 0..<headDim {
                    dk.values[token * k.cols + column + c] += perHead[head].dk[token * headDim + c]
                    dv.values[token * v.cols + column + c] += perHead[head].dv[token * headDim + c]
                }
            }
        }
        return (dq, dk, dv)
    }
}
