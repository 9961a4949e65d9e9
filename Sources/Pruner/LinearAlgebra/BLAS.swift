import Foundation
import CBLAS

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
                    cblas_sgemm(
                        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha,
                        aPointer.baseAddress, Int32(max(1, a.cols)),
                        bPointer.baseAddress, Int32(max(1, b.cols)),
                        beta, cPointer.baseAddress, Int32(max(1, n)))
                }
            }
        }
    }

    /// `c = alpha · op(a) · op(b) + beta · c` on raw row-major storage with leading dimensions, for
    /// sub-matrices (one attention head's columns of Q, K, V) without copying them out.
    public static func gemm(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
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
    /// This is how second-moment statistics (SparseGPT's Hessian) are accumulated: one ssyrk
    /// per batch of tokens, never a per-token loop.
    public static func accumulateGram(_ x: Matrix, alpha: Float = 1, beta: Float = 1, into h: inout Matrix) {
        precondition(h.rows == x.cols && h.cols == x.cols, "gram: output is \(h.rows)×\(h.cols), expected \(x.cols)×\(x.cols)")
        let n = x.cols
        guard n > 0 else { return }
        if x.rows > 0 {
            x.values.withUnsafeBufferPointer { xPointer in
                h.values.withUnsafeMutableBufferPointer { hPointer in
                    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(x.rows),
                                alpha, xPointer.baseAddress, Int32(n), beta, hPointer.baseAddress, Int32(n))
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

/// OpenBLAS's own thread count, switched off around code that parallelises above BLAS.
public enum BLASThreads {
    private static let lock = NSLock()

    /// Runs `body` with OpenBLAS using one thread, then restores the previous count. Calls nest
    /// safely; concurrent callers are serialised.
    public static func withSingleThreadedBLAS<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
