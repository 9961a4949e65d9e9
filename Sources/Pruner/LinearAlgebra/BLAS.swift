import Foundation
import CBLAS
import SparsimSupport

/// The BLAS level-3 products sparsim needs, on row-major `Matrix` values.
public enum BLAS {
    /// `c = alpha · op(a) · op(b) + beta · c`, where op transposes when asked.
    public static func gemm(
        _ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0, into c: inout Matrix
    ) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kB = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(k == kB, "gemm: inner dimensions \(k) and \(kB) differ")
        precondition(c.rows == m && c.cols == n, "gemm: output is \(c.rows)×\(c.cols), expected \(m)×\(n)")
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for i in c.values.indices { c.values[i] *= beta }
            return
        }
        a.values.withUnsafeBufferPointer { aPointer in
            b.values.withUnsafeBufferPointer { bPointer in
                c.values.withUnsafeMutableBufferPointer { cPointer in
                    gemm(m: m, n: n, k: k, alpha: alpha,
                         aPointer.baseAddress!, lda: max(1, a.cols), transposeA: transposeA,
                         bPointer.baseAddress!, ldb: max(1, b.cols), transposeB: transposeB,
                         beta: beta, cPointer.baseAddress!, ldc: max(1, n))
                }
            }
        }
    }

    /// `c = alpha · op(a) · op(b) + beta · c` on raw row-major storage with leading dimensions, for
    /// sub-matrices (one attention head's columns of Q, K, V) without copying them out. A large
    /// product runs on all cores, one piece per core (`BLASThreading`).
    public static func gemm(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        let pieces = BLASThreading.pieces(m: m, n: n, k: k)
        nonisolated(unsafe) let (a, b, c) = (a, b, c)
        Parallel.forEach(pieces.count) { index in
            let piece = pieces[index]
            // Row i of op(a) starts at a + i·lda, or at a + i when a is stored transposed; likewise
            // column j of op(b).
            let aStart = a + piece.rows.lowerBound * (transposeA ? 1 : lda)
            let bStart = b + piece.columns.lowerBound * (transposeB ? ldb : 1)
            gemmOnCallingThread(m: piece.rows.count, n: piece.columns.count, k: k, alpha: alpha,
                                aStart, lda: lda, transposeA: transposeA, bStart, ldb: ldb, transposeB: transposeB,
                                beta: beta, c + piece.rows.lowerBound * ldc + piece.columns.lowerBound, ldc: ldc)
        }
    }

    /// The same product as one OpenBLAS call on the calling thread: for code that already runs
    /// its own pieces on all cores (attention's tiles).
    static func gemmOnCallingThread(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BLASThreading.singleThreaded
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `op(a) · op(b)` as a new matrix.
    public static func matmul(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false) -> Matrix {
        let (m, n, k) = (transposeA ? a.cols : a.rows, transposeB ? b.rows : b.cols, transposeA ? a.rows : a.cols)
        // With an inner dimension the product overwrites every value; without one it is all zeros.
        var c = k > 0 ? Matrix.uninitialized(rows: m, cols: n) : Matrix(rows: m, cols: n)
        gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: &c)
        return c
    }

    /// `h = alpha · xᵀx + beta · h` for tokens-by-channels `x`, with both triangles of `h` filled.
    /// This is how second-moment statistics (SparseGPT's Hessian) are accumulated: one product per
    /// batch of tokens, never a per-token loop. The upper triangle is cut into column panels run
    /// on all cores: each panel's diagonal block by ssyrk, the rows above it by sgemm.
    public static func accumulateGram(_ x: Matrix, alpha: Float = 1, beta: Float = 1, into h: inout Matrix) {
        precondition(h.rows == x.cols && h.cols == x.cols, "gram: output is \(h.rows)×\(h.cols), expected \(x.cols)×\(x.cols)")
        let n = x.cols, tokens = x.rows
        guard n > 0 else { return }
        BLASThreading.singleThreaded
        if tokens > 0 {
            let width = 128
            let panels = Array(stride(from: 0, to: n, by: width).reversed())  // the tallest panels first
            x.values.withUnsafeBufferPointer { xPointer in
                h.values.withUnsafeMutableBufferPointer { hPointer in
                    nonisolated(unsafe) let (xs, hs) = (xPointer.baseAddress!, hPointer.baseAddress!)
                    Parallel.forEach(panels.count) { index in
                        let first = panels[index], columns = min(width, n - first)
                        if first > 0 {
                            gemmOnCallingThread(m: first, n: columns, k: tokens, alpha: alpha, xs, lda: n, transposeA: true,
                                                xs + first, ldb: n, transposeB: false, beta: beta, hs + first, ldc: n)
                        }
                        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(tokens),
                                    alpha, xs + first, Int32(n), beta, hs + first * n + first, Int32(n))
                    }
                }
            }
        } else {
            for i in h.values.indices { h.values[i] *= beta }
        }
        h.mirrorUpperTriangle()
    }
}

extension Matrix {
    /// Copies the upper triangle onto the lower one (BLAS/LAPACK fill only one).
    mutating func mirrorUpperTriangle() {
        precondition(isSquare)
        for i in 0..<rows {
            for j in 0..<i { self[i, j] = self[j, i] }
        }
    }

    /// Zeroes the strictly lower triangle (LAPACK leaves the input there).
    mutating func clearLowerTriangle() {
        precondition(isSquare)
        for i in 0..<rows {
            for j in 0..<i { self[i, j] = 0 }
        }
    }
}
