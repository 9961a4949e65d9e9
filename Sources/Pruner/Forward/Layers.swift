import Foundation

/// The pieces of a LLaMA block, on tokens-by-channels matrices (one row per token), in fp32.
enum Layers {
    /// y = x Wᵀ for a C_out × C_in weight.
    static func linear(_ x: Matrix, _ weight: Matrix) -> Matrix {
        BLAS.matmul(x, weight, transposeB: true)
    }

    /// RMSNorm: y = g ⊙ x / sqrt(mean(x²) + ε), per token (as Hugging Face: x · rsqrt(var + ε), then · g).
    static func rmsNorm(_ x: Matrix, weight: [Float], epsilon: Double) -> Matrix {
        precondition(weight.count == x.cols)
        var y = Matrix(rows: x.rows, cols: x.cols)
        let eps = Float(epsilon)
        x.values.withUnsafeBufferPointer { input in
            y.values.withUnsafeMutableBufferPointer { output in
                for row in 0..<x.rows {
                    let base = row * x.cols
                    var sum: Float = 0
                    for col in 0..<x.cols { sum += input[base + col] * input[base + col] }
                    let scale = 1 / (sum / Float(x.cols) + eps).squareRoot()
                    for col in 0..<x.cols { output[base + col] = weight[col] * (input[base + col] * scale) }
                }
            }
        }
        return y
    }

    /// silu(gate) ⊙ up, in place in `gate`.
    static func swiGLU(_ gate: inout Matrix, _ up: Matrix) {
        precondition(gate.values.count == up.values.count)
        gate.values.withUnsafeMutableBufferPointer { g in
            up.values.withUnsafeBufferPointer { u in
                for i in 0..<g.count {
                    let a = g[i]
                    g[i] = a / (1 + exp(-a)) * u[i]
                }
            }
        }
    }

    /// x += y.
    static func add(_ x: inout Matrix, _ y: Matrix) {
        precondition(x.values.count == y.values.count)
        x.values.withUnsafeMutableBufferPointer { a in
            y.values.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }
}

/// Rotary position embedding tables: cos and sin of position · θ^(−2i/d) for i < d/2, computed in
/// float32 the way Hugging Face does (inverse frequencies, then the product, then cos/sin).
struct RotaryTable {
    let headDim: Int
    let cos: [Float]  // positions × headDim/2
    let sin: [Float]

    init(headDim: Int, theta: Double, positions: Int) {
        self.headDim = headDim
        let half = headDim / 2
        let inverse = (0..<half).map { i in 1 / Float(pow(theta, Double(2 * i) / Double(headDim))) }
        var cos = [Float](repeating: 0, count: positions * half)
        var sin = cos
        for position in 0..<positions {
            for i in 0..<half {
                let angle = Float(position) * inverse[i]
                cos[position * half + i] = Foundation.cos(angle)
                sin[position * half + i] = Foundation.sin(angle)
            }
        }
        self.cos = cos
        self.sin = sin
    }

    var positions: Int { cos.count / (headDim / 2) }

    /// Rotates every head of `x` (tokens × heads·headDim), token t at position `start + t`.
    func apply(_ x: inout Matrix, heads: Int, layout: RotaryLayout, start: Int = 0) {
        precondition(x.cols == heads * headDim && start + x.rows <= positions)
        let half = headDim / 2
        x.values.withUnsafeMutableBufferPointer { values in
            for token in 0..<x.rows {
                let table = (start + token) * half
                for head in 0..<heads {
                    let base = token * x.cols + head * headDim
                    for i in 0..<half {
                        let (first, second) = layout == .halfSplit ? (base + i, base + i + half) : (base + 2 * i, base + 2 * i + 1)
                        let a = values[first], b = values[second]
                        let c = cos[table + i], s = sin[table + i]
                        values[first] = a * c - b * s
                        values[second] = b * c + a * s
                    }
                }
            }
        }
    }
}

/// Causal multi-head attention with grouped key/value heads: query head h reads key/value head
/// h / (heads / keyValueHeads). Each head is two sgemms on strided views of Q, K, V.
enum Attention {
    static func forward(q: Matrix, k: Matrix, v: Matrix, heads: Int, keyValueHeads: Int, headDim: Int) -> Matrix {
        let tokens = q.rows
        let group = heads / keyValueHeads
        var output = Matrix(rows: tokens, cols: heads * headDim)
        var scores = [Float](repeating: 0, count: tokens * tokens)
        let scale = 1 / Float(headDim).squareRoot()
        q.values.withUnsafeBufferPointer { qp in
            k.values.withUnsafeBufferPointer { kp in
                v.values.withUnsafeBufferPointer { vp in
                    output.values.withUnsafeMutableBufferPointer { op in
                        scores.withUnsafeMutableBufferPointer { sp in
                            for head in 0..<heads {
                                let kvHead = head / group
                                // S = Q_h K_gᵀ / sqrt(d)
                                BLAS.gemm(m: tokens, n: tokens, k: headDim, alpha: scale,
                                          qp.baseAddress! + head * headDim, lda: q.cols,
                                          kp.baseAddress! + kvHead * headDim, ldb: k.cols, transposeB: true,
                                          sp.baseAddress!, ldc: tokens)
                                causalSoftmax(sp, tokens: tokens)
                                // O_h = P V_g
                                BLAS.gemm(m: tokens, n: headDim, k: tokens,
                                          sp.baseAddress!, lda: tokens,
                                          vp.baseAddress! + kvHead * headDim, ldb: v.cols,
                                          op.baseAddress! + head * headDim, ldc: output.cols)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Row-wise softmax over columns ≤ row; columns above the diagonal become 0.
    static func causalSoftmax(_ s: UnsafeMutableBufferPointer<Float>, tokens: Int) {
        for row in 0..<tokens {
            let base = row * tokens
            var largest = -Float.infinity
            for col in 0...row { largest = max(largest, s[base + col]) }
            var sum: Float = 0
            for col in 0...row {
                let e = exp(s[base + col] - largest)
                s[base + col] = e
                sum += e
            }
            let inverse = 1 / sum
            for col in 0...row { s[base + col] *= inverse }
            for col in (row + 1)..<tokens { s[base + col] = 0 }
        }
    }
}
