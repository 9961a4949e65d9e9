import CBLAS

/// A LAPACK routine reported failure.
public struct LinearAlgebraError: Error, Sendable, Equatable, CustomStringConvertible {
    public let routine: String
    /// LAPACK's `info`: > 0 locates the failure (e.g. the order of the first non-positive minor).
    public let info: Int
    public let description: String
}

/// Factorizations and inverses on row-major matrices.
///
/// LAPACK is column-major. A row-major buffer read as column-major is the
/// transpose, so an upper triangle here is a lower triangle there: each call
/// passes the opposite `uplo` and no data is copied or transposed.
public enum LAPACK {
    /// The upper Cholesky factor `U` of a symmetric positive-definite matrix: `a = Uᵀ U`.
    public static func choleskyUpper(_ a: Matrix) throws(LinearAlgebraError) -> Matrix {
        precondition(a.isSquare, "Cholesky needs a square matrix")
        var factor = a
        let info = callFactorization(&factor, routine: spotrf_)
        guard info == 0 else {
            throw LinearAlgebraError(
                routine: "spotrf", info: Int(info),
                description: info > 0
                    ? "Cholesky failed: the leading minor of order \(info) is not positive definite"
                    : "Cholesky failed: argument \(-info) was invalid")
        }
        factor.clearLowerTriangle()
        return factor
    }

    /// `a⁻¹` from the upper Cholesky factor `U` of `a` (LAPACK spotri).
    public static func inverseFromCholesky(_ upper: Matrix) throws(LinearAlgebraError) -> Matrix {
        precondition(upper.isSquare)
        var inverse = upper
        let info = callFactorization(&inverse, routine: spotri_)
        guard info == 0 else {
            throw LinearAlgebraError(routine: "spotri", info: Int(info),
                                     description: "inverse from Cholesky factor failed: diagonal entry \(info) is zero")
        }
        inverse.mirrorUpperTriangle()
        return inverse
    }

    /// Inverse of a symmetric positive-definite matrix.
    public static func inverseSPD(_ a: Matrix) throws(LinearAlgebraError) -> Matrix {
        try inverseFromCholesky(try choleskyUpper(a))
    }

    /// Inverse of a triangular matrix (entries outside the triangle are ignored and returned as zero).
    public static func triangularInverse(_ a: Matrix, upper: Bool) throws(LinearAlgebraError) -> Matrix {
        precondition(a.isSquare)
        BLASThreading.singleThreaded
        var inverse = a
        var n = Int32(a.rows), lda = Int32(max(1, a.rows)), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: upper ? "L" : "U"))
        var diag = CChar(UInt8(ascii: "N"))
        if n > 0 {
            inverse.values.withUnsafeMutableBufferPointer { strtri_(&uplo, &diag, &n, $0.baseAddress, &lda, &info) }
        }
        guard info == 0 else {
            throw LinearAlgebraError(routine: "strtri", info: Int(info),
                                     description: "triangular inverse failed: diagonal entry \(info) is zero")
        }
        if upper { inverse.clearLowerTriangle() } else { inverse = inverse.transposed().clearingLower().transposed() }
        return inverse
    }

    /// Solves `op(a) · x = b` for `x` with triangular `a` (BLAS strsm), all right-hand sides at once.
    public static func triangularSolve(_ a: Matrix, upper: Bool, transpose: Bool = false, _ b: Matrix) -> Matrix {
        precondition(a.isSquare && a.rows == b.rows, "triangular solve: \(a.rows)×\(a.cols) with \(b.rows)×\(b.cols)")
        BLASThreading.singleThreaded
        var x = b
        guard b.rows > 0, b.cols > 0 else { return x }
        a.values.withUnsafeBufferPointer { aPointer in
            x.values.withUnsafeMutableBufferPointer { xPointer in
                cblas_strsm(CblasRowMajor, CblasLeft, upper ? CblasUpper : CblasLower,
                            transpose ? CblasTrans : CblasNoTrans, CblasNonUnit,
                            Int32(b.rows), Int32(b.cols), 1, aPointer.baseAddress, Int32(a.cols),
                            xPointer.baseAddress, Int32(b.cols))
            }
        }
        return x
    }

    /// Solves `a · x = b` in place for a symmetric positive-definite row-major `a` (n × n, overwritten
    /// by its Cholesky factor) and one right-hand side `b` (overwritten by x). False, with `b`
    /// untouched, when `a` is not positive definite.
    public static func choleskySolveInPlace(_ a: inout [Float], n: Int, rhs b: inout [Float]) -> Bool {
        precondition(a.count == n * n && b.count == n, "Cholesky solve: \(a.count) entries and \(b.count) right-hand sides for n = \(n)")
        guard n > 0 else { return true }
        BLASThreading.singleThreaded
        var order = Int32(n), lda = Int32(n), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))  // column-major lower == row-major upper
        a.withUnsafeMutableBufferPointer { spotrf_(&uplo, &order, $0.baseAddress, &lda, &info) }
        guard info == 0 else { return false }
        // a = Uᵀ U: Uᵀ y = b, then U x = y.
        a.withUnsafeBufferPointer { u in
            b.withUnsafeMutableBufferPointer { x in
                cblas_strsv(CblasRowMajor, CblasUpper, CblasTrans, CblasNonUnit, order, u.baseAddress, lda, x.baseAddress, 1)
                cblas_strsv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, order, u.baseAddress, lda, x.baseAddress, 1)
            }
        }
        return true
    }

    private typealias Factorization = (
        UnsafePointer<CChar>?, UnsafePointer<Int32>?, UnsafeMutablePointer<Float>?, UnsafePointer<Int32>?,
        UnsafeMutablePointer<Int32>?
    ) -> Void

    /// Calls an `(uplo, n, a, lda, info)` routine on the row-major upper triangle.
    private static func callFactorization(_ a: inout Matrix, routine: Factorization) -> Int32 {
        BLASThreading.singleThreaded
        var n = Int32(a.rows), lda = Int32(max(1, a.rows)), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))  // column-major lower == row-major upper
        guard n > 0 else { return 0 }
        a.values.withUnsafeMutableBufferPointer { routine(&uplo, &n, $0.baseAddress, &lda, &info) }
        return info
    }
}

private extension Matrix {
    func clearingLower() -> Matrix {
        var copy = self
        copy.clearLowerTriangle()
        return copy
    }
}
