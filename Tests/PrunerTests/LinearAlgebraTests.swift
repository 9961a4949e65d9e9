import SparsimSupport
import Testing
import Traces
@testable import Pruner

/// BLAS/LAPACK wrappers against naive loops in Double on random matrices.
@Suite struct LinearAlgebraTests {
    static func random(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in Float(generator.nextUnit() * 2 - 1) })
    }

    /// Naive product in Double.
    static func naiveProduct(_ a: Matrix, _ b: Matrix) -> [[Double]] {
        (0..<a.rows).map { i in
            (0..<b.cols).map { j in (0..<a.cols).reduce(0.0) { $0 + Double(a[i, $1]) * Double(b[$1, j]) } }
        }
    }

    static func maxError(_ m: Matrix, _ reference: [[Double]]) -> Double {
        var worst = 0.0
        for i in 0..<m.rows { for j in 0..<m.cols { worst = max(worst, abs(Double(m[i, j]) - reference[i][j])) } }
        return worst
    }

    /// A well-conditioned symmetric positive-definite matrix: XᵀX/n + I.
    static func spd(_ n: Int, seed: UInt64) -> Matrix {
        let x = random(3 * n, n, seed: seed)
        var h = Matrix.identity(n)
        BLAS.accumulateGram(x, alpha: 1 / Float(3 * n), beta: 1, into: &h)
        return h
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 1, 9), (33, 64, 20)])
    func gemmAllTransposeCombinations(m: Int, k: Int, n: Int) {
        Self.expectEveryTransposeMatches(Self.random(m, k, seed: 1), Self.random(k, n, seed: 2))
    }

    /// a · b through `BLAS.matmul` with each operand stored as it is or transposed, against the
    /// naive product in Double.
    static func expectEveryTransposeMatches(_ a: Matrix, _ b: Matrix, sourceLocation: SourceLocation = #_sourceLocation) {
        let reference = naiveProduct(a, b)
        let products = [BLAS.matmul(a, b), BLAS.matmul(a.transposed(), transposeA: true, b),
                        BLAS.matmul(a, b.transposed(), transposeB: true),
                        BLAS.matmul(a.transposed(), transposeA: true, b.transposed(), transposeB: true)]
        for product in products { #expect(maxError(product, reference) < 1e-4, sourceLocation: sourceLocation) }
    }

    @Test func gemmAccumulatesWithAlphaAndBeta() {
        let a = Self.random(4, 6, seed: 3), b = Self.random(6, 5, seed: 4)
        var c = Self.random(4, 5, seed: 5)
        let start = c
        BLAS.gemm(a, b, alpha: 2, beta: -0.5, into: &c)
        let product = Self.naiveProduct(a, b)
        let reference = (0..<4).map { i in (0..<5).map { j in 2 * product[i][j] - 0.5 * Double(start[i, j]) } }
        #expect(Self.maxError(c, reference) < 1e-4)
    }

    @Test func gramEqualsTransposeTimesSelf() {
        let x = Self.random(50, 12, seed: 6)
        var h = Matrix(rows: 12, cols: 12, repeating: 1)
        BLAS.accumulateGram(x, alpha: 0.5, beta: 1, into: &h)
        let xtx = Self.naiveProduct(x.transposed(), x)
        #expect(Self.maxError(h, xtx.map { $0.map { 0.5 * $0 + 1 } }) < 1e-4)
    }

    @Test(arguments: [1, 2, 7, 64, 129])
    func choleskyReconstructsTheMatrix(n: Int) throws {
        let a = Self.spd(n, seed: UInt64(n))
        let u = try LAPACK.choleskyUpper(a)
        for i in 0..<n { for j in 0..<i { #expect(u[i, j] == 0) } }
        #expect(Self.maxError(a, Self.naiveProduct(u.transposed(), u)) < 1e-4)
    }

    @Test(arguments: [1, 5, 64, 130])
    func inverseTimesMatrixIsIdentity(n: Int) throws {
        let a = Self.spd(n, seed: 100 + UInt64(n))
        let inverse = try LAPACK.inverseSPD(a)
        let identity = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        #expect(Self.maxError(Matrix(rows: n, cols: n, values: Self.naiveProduct(a, inverse).flatMap { $0.map(Float.init) }), identity) < 1e-4)
        #expect(inverse == inverse.transposed(), "both triangles are filled")
    }

    @Test func choleskyReportsTheFailingMinor() {
        var a = Self.spd(6, seed: 9)
        a[3, 3] = -5
        let error = #expect(throws: LinearAlgebraError.self) { try LAPACK.choleskyUpper(a) }
        #expect(error?.info == 4)
        #expect(error?.description.contains("order 4") == true)
    }

    @Test(arguments: [true, false])
    func triangularInverseAndSolve(upper: Bool) throws {
        let n = 9
        var t = Self.random(n, n, seed: 11)
        for i in 0..<n {
            t[i, i] = 2 + abs(t[i, i])
            for j in 0..<n where upper ? j < i : j > i { t[i, j] = 0 }
        }
        let inverse = try LAPACK.triangularInverse(t, upper: upper)
        let identity = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        #expect(Self.maxError(Matrix(rows: n, cols: n, values: Self.naiveProduct(t, inverse).flatMap { $0.map(Float.init) }), identity) < 1e-5)

        let b = Self.random(n, 4, seed: 12)
        let x = LAPACK.triangularSolve(t, upper: upper, b)
        #expect(Self.maxError(BLAS.matmul(t, x), Self.naiveProduct(b, Matrix.identity(4))) < 1e-5)
        let xt = LAPACK.triangularSolve(t, upper: upper, transpose: true, b)
        #expect(Self.maxError(BLAS.matmul(t, transposeA: true, xt), Self.naiveProduct(b, Matrix.identity(4))) < 1e-5)
    }
}
