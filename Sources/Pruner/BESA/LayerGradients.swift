import Foundation
import SparsimSupport

/// Backward passes of the pieces of a LLaMA block (docs/design/block-gradients.md), on tokens-by-channels
/// matrices in fp32, products on BLAS. Weights are frozen: only what BESA needs is computed —
/// gradients with respect to inputs (to keep going down the block) and to masks.
enum LayerGradients {
    /// y = x W'ᵀ with W' = W ⊙ M (or a quantized W ⊙ M). Given dy: dx = dy W' and dW' = dyᵀ x (one
    /// sgemm over all tokens each); dM = dW' ⊙ W (straight through any quantizer) is left to
    /// whoever reads it (`maskGradient`): BESA reads it by rank straight from dW' and W.
    static func maskedLinear(x: Matrix, maskedWeight: Matrix, dy: Matrix) -> (dx: Matrix, dWeight: Matrix) {
        (BLAS.matmul(dy, maskedWeight), weightGradient(x: x, dy: dy))
    }

    /// dW' = dyᵀ x of `maskedLinear` alone (for the first linears of a block, when nothing needs
    /// the gradient of the block's input).
    static func weightGradient(x: Matrix, dy: Matrix) -> Matrix {
        BLAS.matmul(dy, transposeA: true, x)
    }

    /// dM = dW' ⊙ W.
    static func maskGradient(weightGradient dWeight: Matrix, weight: Matrix) -> Matrix {
        var dMask = dWeight
        for i in dMask.values.indices { dMask.values[i] *= weight.values[i] }
        return dMask
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

    /// Causal attention with grouped key/value heads, backward (docs/design/block-gradients.md):
    /// dV = Pᵀ dO, dP = dO Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS K / √d, dK = dSᵀ Q / √d;
    /// the query heads that share a key/value head add their dK and dV. P is recomputed from Q and
    /// K. As in the forward pass, a tile is one key/value head's block of query rows with the
    /// rows of all the heads of its group stacked, over the keys up to the block's last row (the
    /// rest of P is 0): every product skips the masked upper triangle, and the group's sum over
    /// heads happens inside the dK and dV products. Tiles run concurrently, longest first, each
    /// with its products on its own thread and its own dK, dV over its keys, added in tile order at the end.
    static func attention(q: Matrix, k: Matrix, v: Matrix, heads: Int, keyValueHeads: Int, headDim: Int, dOutput: Matrix,
                          rowBlock: Int = attentionRowBlock) -> (dq: Matrix, dk: Matrix, dv: Matrix) {
        let tokens = q.rows, group = heads / keyValueHeads
        let scale = 1 / Float(headDim).squareRoot()
        var dq = Matrix.uninitialized(rows: tokens, cols: q.cols)  // every tile writes its rows of its heads' columns
        let tiles = Attention.groupTiles(tokens: tokens, keyValueHeads: keyValueHeads, rowBlock: rowBlock)
        let partials: [(dk: [Float], dv: [Float])] =
        q.values.withUnsafeBufferPointer { qp in
        k.values.withUnsafeBufferPointer { kp in
        v.values.withUnsafeBufferPointer { vp in
        dOutput.values.withUnsafeBufferPointer { op in
        dq.values.withUnsafeMutableBufferPointer { dqp in
            nonisolated(unsafe) let dqBase = dqp.baseAddress!
            return Parallel.map(tiles.count) { index in
                let (kvHead, first) = tiles[index]
                let rows = min(rowBlock, tokens - first), keys = first + rows
                let stack = Attention.GroupRows(kvHead: kvHead, group: group, first: first, rows: rows, headDim: headDim)
                let stackedRows = stack.count
                let (kg, vg) = (kp.baseAddress! + kvHead * headDim, vp.baseAddress! + kvHead * headDim)
                let work = UnsafeMutablePointer<Float>.allocate(capacity: stackedRows * (3 * headDim + 2 * keys))
                defer { work.deallocate() }
                let (qs, os, dqs) = (work, work + stackedRows * headDim, work + 2 * stackedRows * headDim)
                let p = work + 3 * stackedRows * headDim, dp = p + stackedRows * keys
                stack.gather(qp.baseAddress!, rowStride: q.cols, into: qs)
                stack.gather(op.baseAddress!, rowStride: dOutput.cols, into: os)
                var dk = [Float](repeating: 0, count: keys * headDim), dv = dk
                dk.withUnsafeMutableBufferPointer { dkp in
                dv.withUnsafeMutableBufferPointer { dvp in
                    // P = causal softmax(Q Kᵀ / √d), each head's rows in turn
                    BLAS.gemmOnCallingThread(m: stackedRows, n: keys, k: headDim, alpha: scale, qs, lda: headDim, kg, ldb: k.cols, transposeB: true, p, ldc: keys)
                    for g in 0..<group {
                        Attention.causalSoftmax(UnsafeMutableBufferPointer(start: p + g * rows * keys, count: rows * keys),
                                                rows: rows, keys: keys, firstRow: first)
                    }
                    // dV_g[0..<keys] = Pᵀ dO (the group's heads summed by the product)
                    BLAS.gemmOnCallingThread(m: keys, n: headDim, k: stackedRows, p, lda: keys, transposeA: true, os, ldb: headDim, dvp.baseAddress!, ldc: headDim)
                    // dP = dO V_gᵀ, then dS = P ⊙ (dP − rowsum(dP ⊙ P)) in place
                    BLAS.gemmOnCallingThread(m: stackedRows, n: keys, k: headDim, os, lda: headDim, vg, ldb: v.cols, transposeB: true, dp, ldc: keys)
                    for row in 0..<stackedRows {
                        let (dRow, pRow, visible) = (dp + row * keys, p + row * keys, first + row % rows + 1)
                        let dot = VectorMath.dot(dRow, pRow, count: visible)
                        for col in 0..<visible { dRow[col] = pRow[col] * (dRow[col] - dot) }
                        (dRow + visible).update(repeating: 0, count: keys - visible)
                    }
                    // dQ = dS K_g / √d (scattered back to the heads' columns);  dK_g[0..<keys] = dSᵀ Q / √d
                    BLAS.gemmOnCallingThread(m: stackedRows, n: headDim, k: keys, alpha: scale, dp, lda: keys, kg, ldb: k.cols, dqs, ldc: headDim)
                    BLAS.gemmOnCallingThread(m: keys, n: headDim, k: stackedRows, alpha: scale, dp, lda: keys, transposeA: true, qs, ldb: headDim,
                              dkp.baseAddress!, ldc: headDim)
                }}
                stack.scatter(dqs, into: dqBase, rowStride: q.cols)
                return (dk, dv)
            }
        }}}}}
        // Each key/value head's gradients: its tiles' sums, added in tile order.
        var dk = Matrix(rows: tokens, cols: k.cols), dv = Matrix(rows: tokens, cols: v.cols)
        for (index, tile) in tiles.enumerated() {
            let column = tile.kvHead * headDim, keys = partials[index].dk.count / headDim
            for token in 0..<keys {
                for c in 0..<headDim {
                    dk.values[token * k.cols + column + c] += partials[index].dk[token * headDim + c]
                    dv.values[token * v.cols + column + c] += partials[index].dv[token * headDim + c]
                }
            }
        }
        return (dq, dk, dv)
    }
}

extension Attention {
    /// Multiply-adds ×2 of the backward pass (`LayerGradients.attention`, from position 0): five
    /// products a tile (P again, dV, dP, dQ, dK), over the backward's own row blocks.
    public static func backwardFlops(tokens: Int, heads: Int, headDim: Int) -> Double {
        5 * productFlops(tokens: tokens, queryStart: 0, heads: heads, headDim: headDim, rowBlock: LayerGradients.attentionRowBlock)
    }
}
