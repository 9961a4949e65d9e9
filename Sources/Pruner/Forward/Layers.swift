import Foundation
import SparsimSupport

/// The pieces of a LLaMA block, on tokens-by-channels matrices (one row per token), in fp32.
enum Layers {
    /// y = x Wᵀ (+ b on every row) for a C_out × C_in weight.
    static func linear(_ x: Matrix, _ weight: Matrix, bias: [Float]? = nil) -> Matrix {
        var y = BLAS.matmul(x, weight, transposeB: true)
        if let bias {
            precondition(bias.count == weight.rows)
            y.values.withUnsafeMutableBufferPointer { values in
                for row in 0..<y.rows {
                    for col in 0..<y.cols { values[row * y.cols + col] += bias[col] }
                }
            }
        }
        return y
    }

    /// RMSNorm: y = g ⊙ x / sqrt(mean(x²) + ε), per token (as Hugging Face: x · rsqrt(var + ε), then · g).
    static func rmsNorm(_ x: Matrix, weight: [Float], epsilon: Double) -> Matrix {
        precondition(weight.count == x.cols)
        var y = Matrix.uninitialized(rows: x.rows, cols: x.cols)  // every value written below
        let eps = Float(epsilon)
        weight.withUnsafeBufferPointer { gain in
        x.values.withUnsafeBufferPointer { input in
            y.values.withUnsafeMutableBufferPointer { output in
                for row in 0..<x.rows {
                    let base = row * x.cols
                    let squares = VectorMath.dot(input.baseAddress! + base, input.baseAddress! + base, count: x.cols)
                    let scale = 1 / (squares / Float(x.cols) + eps).squareRoot()
                    for col in 0..<x.cols { output[base + col] = gain[col] * (input[base + col] * scale) }
                }
            }
        }}
        return y
    }

    /// silu(gate) ⊙ up, in place in `gate`.
    static func swiGLU(_ gate: inout Matrix, _ up: Matrix) {
        precondition(gate.values.count == up.values.count)
        gate.values.withUnsafeMutableBufferPointer { g in
            up.values.withUnsafeBufferPointer { VectorMath.swiGLU(g.baseAddress!, $0.baseAddress!, count: g.count) }
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
        rotate(&x, heads: heads, layout: layout, start: start, sinSign: 1)
    }

    /// The backward of `apply`: rotation is orthogonal, so the gradient rotates back by −θ.
    func applyTransposed(_ dx: inout Matrix, heads: Int, layout: RotaryLayout, start: Int = 0) {
        rotate(&dx, heads: heads, layout: layout, start: start, sinSign: -1)
    }

    /// (a, b) → (a cos θ − b sin θ, b cos θ + a sin θ), with sin θ negated for the inverse rotation.
    private func rotate(_ x: inout Matrix, heads: Int, layout: RotaryLayout, start: Int, sinSign: Float) {
        precondition(x.cols == heads * headDim && start + x.rows <= positions)
        let half = headDim / 2
        // The second of each pair sits `half` after the first (half-split) or right after it
        // (adjacent pairs); with the layout decided outside the loop, the half-split loop is contiguous.
        let (pairStride, secondOffset) = layout == .halfSplit ? (1, half) : (2, 1)
        cos.withUnsafeBufferPointer { cosTable in
        sin.withUnsafeBufferPointer { sinTable in
        x.values.withUnsafeMutableBufferPointer { values in
            for token in 0..<x.rows {
                let c = cosTable.baseAddress! + (start + token) * half, s = sinTable.baseAddress! + (start + token) * half
                for head in 0..<heads {
                    let first = values.baseAddress! + token * x.cols + head * headDim, second = first + secondOffset
                    if pairStride == 1 {
                        for i in 0..<half { Self.rotatePair(first + i, second + i, cos: c[i], sin: sinSign * s[i]) }
                    } else {
                        for i in 0..<half { Self.rotatePair(first + 2 * i, second + 2 * i, cos: c[i], sin: sinSign * s[i]) }
                    }
                }
            }
        }}}
    }

    @inline(__always)
    private static func rotatePair(_ first: UnsafeMutablePointer<Float>, _ second: UnsafeMutablePointer<Float>, cos: Float, sin: Float) {
        let a = first.pointee, b = second.pointee
        first.pointee = a * cos - b * sin
        second.pointee = b * cos + a * sin
    }
}

/// Causal multi-head attention with grouped key/value heads: query head h reads key/value head
/// h / (heads / keyValueHeads). Rows are processed in blocks: a block of queries only needs the
/// keys up to its last row, so the two sgemms per block (scores, then weighted values) skip the
/// masked upper triangle, half the work at long sequences. The query heads that share a key/value
/// head are stacked into one product, so each key block is packed once for all of them. The
/// queries may continue a cached prefix: query row r sits at position `queryStart + r` and `k`,
/// `v` hold the keys and values of positions 0..<queryStart + q.rows.
public enum Attention {
    static let rowBlock = 64

    public static func forward(q: Matrix, k: Matrix, v: Matrix, heads: Int, keyValueHeads: Int, headDim: Int, queryStart: Int = 0) -> Matrix {
        let tokens = q.rows
        precondition(k.rows == queryStart + tokens && v.rows == k.rows, "keys and values must cover the prefix and the queries")
        let group = heads / keyValueHeads
        var output = Matrix.uninitialized(rows: tokens, cols: heads * headDim)  // every head writes its columns of every row
        let scale = 1 / Float(headDim).squareRoot()
        let width = heads * headDim, qWidth = q.cols, kWidth = k.cols, vWidth = v.cols
        // One tile = one key/value head's block of query rows, for all the query heads of its group.
        // Tiles are handed out longest first (the last row blocks see the most keys) to whichever
        // core is free (BLAS itself is single-threaded: `BLASThreading`).
        let tiles = groupTiles(tokens: tokens, keyValueHeads: keyValueHeads, rowBlock: rowBlock)
        q.values.withUnsafeBufferPointer { qp in
            k.values.withUnsafeBufferPointer { kp in
                v.values.withUnsafeBufferPointer { vp in
                    output.values.withUnsafeMutableBufferPointer { op in
                        nonisolated(unsafe) let (qb, kb, vb, ob) = (qp.baseAddress!, kp.baseAddress!, vp.baseAddress!, op.baseAddress!)
                        Parallel.forEach(tiles.count) { index in
                            let (kvHead, first) = tiles[index]
                            let rows = min(rowBlock, tokens - first), keys = queryStart + first + rows
                            let stack = GroupRows(kvHead: kvHead, group: group, first: first, rows: rows, headDim: headDim)
                            let stackedRows = stack.count
                            let work = UnsafeMutableBufferPointer<Float>.allocate(capacity: stackedRows * (2 * headDim + keys + 1))
                            defer { work.deallocate() }
                            let stackedQ = work.baseAddress!, stackedO = stackedQ + stackedRows * headDim
                            let scores = stackedO + stackedRows * headDim, inverseSums = scores + stackedRows * keys
                            stack.gather(qb, rowStride: qWidth, into: stackedQ)
                            // S = Q K_gᵀ / sqrt(d) over the keys up to the block's last row
                            BLAS.gemmOnCallingThread(m: stackedRows, n: keys, k: headDim, alpha: scale, stackedQ, lda: headDim,
                                      kb + kvHead * headDim, ldb: kWidth, transposeB: true, scores, ldc: keys)
                            // P = exp(S − row max) over each row's visible keys, 0 after; the
                            // division by the row sum waits for the output (headDim wide, not keys).
                            for row in 0..<stackedRows {
                                let base = scores + row * keys, visible = queryStart + first + row % rows + 1
                                let sum = VectorMath.expInPlace(base, count: visible, shift: VectorMath.maximum(base, count: visible))
                                (base + visible).update(repeating: 0, count: keys - visible)
                                inverseSums[row] = Float(1 / sum)
                            }
                            BLAS.gemmOnCallingThread(m: stackedRows, n: headDim, k: keys, scores, lda: keys,
                                      vb + kvHead * headDim, ldb: vWidth, stackedO, ldc: headDim)
                            for row in 0..<stackedRows { VectorMath.scale(stackedO + row * headDim, count: headDim, by: inverseSums[row]) }
                            stack.scatter(stackedO, into: ob, rowStride: width)
                        }
                    }
                }
            }
        }
        return output
    }

    /// The tiles of the forward and backward passes: (key/value head, first row of a block of
    /// `rowBlock` query rows), the blocks that see the most keys first.
    static func groupTiles(tokens: Int, keyValueHeads: Int, rowBlock: Int) -> [(kvHead: Int, first: Int)] {
        stride(from: 0, to: tokens, by: rowBlock).reversed().flatMap { first in (0..<keyValueHeads).map { (kvHead: $0, first: first) } }
    }

    /// Rows first..<first+rows of the query heads that share key/value head `kvHead`, stacked: row
    /// g·rows + r of the stack is query head kvHead·group + g at token first + r, headDim wide.
    struct GroupRows {
        let kvHead: Int, group: Int, first: Int, rows: Int, headDim: Int

        var count: Int { group * rows }

        /// Copies these rows out of a tokens × heads·headDim matrix into a contiguous stack.
        func gather(_ matrix: UnsafePointer<Float>, rowStride: Int, into stack: UnsafeMutablePointer<Float>) {
            forEachRow(rowStride: rowStride) { stacked, offset in (stack + stacked).update(from: matrix + offset, count: headDim) }
        }

        /// Copies a stack back to its rows of a tokens × heads·headDim matrix.
        func scatter(_ stack: UnsafePointer<Float>, into matrix: UnsafeMutablePointer<Float>, rowStride: Int) {
            forEachRow(rowStride: rowStride) { stacked, offset in (matrix + offset).update(from: stack + stacked, count: headDim) }
        }

        /// (offset in the stack, offset in the matrix) of every row.
        private func forEachRow(rowStride: Int, _ body: (Int, Int) -> Void) {
            for g in 0..<group {
                for r in 0..<rows { body((g * rows + r) * headDim, (first + r) * rowStride + (kvHead * group + g) * headDim) }
            }
        }
    }

    /// Multiply-adds ×2 of `forward` for `tokens` queries after `queryStart` cached positions: the
    /// two products of every (head, row block) tile, each over the keys up to the tile's last row.
    public static func flops(tokens: Int, queryStart: Int = 0, heads: Int, headDim: Int) -> Double {
        2 * productFlops(tokens: tokens, queryStart: queryStart, heads: heads, headDim: headDim, rowBlock: rowBlock)
    }

    /// One rows × keys × headDim product per (head, row block) tile, summed.
    static func productFlops(tokens: Int, queryStart: Int, heads: Int, headDim: Int, rowBlock: Int) -> Double {
        stride(from: 0, to: tokens, by: rowBlock).reduce(0.0) { total, first in
            let rows = min(rowBlock, tokens - first), keys = queryStart + first + rows
            return total + 2 * Double(heads * rows * keys * headDim)
        }
    }

    /// Softmax of each row of a `rows × keys` score block over the keys at or before that row's
    /// position (`firstRow + row`); later keys become 0.
    static func causalSoftmax(_ s: UnsafeMutableBufferPointer<Float>, rows: Int, keys: Int, firstRow: Int) {
        for row in 0..<rows {
            let base = s.baseAddress! + row * keys, visible = firstRow + row + 1
            VectorMath.softmax(base, count: visible)
            (base + visible).update(repeating: 0, count: keys - visible)
        }
    }
}
