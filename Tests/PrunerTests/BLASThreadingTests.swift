import SparsimSupport
import Testing
import Traces
@testable import Pruner

/// Products large enough to run in pieces on all cores: each piece's slice of the output against
/// the naive product in Double, for every transpose combination, and the pieces' layout itself.
@Suite struct BLASThreadingTests {
    typealias Reference = LinearAlgebraTests

    @Test func piecesTileTheOutputExactlyOnce() {
        for (m, n, k) in [(1, 1, 1), (300, 40, 200), (2048, 576, 576), (100, 49_152, 576), (255, 2047, 64), (7, 9000, 800)] {
            var covered = [Int](repeating: 0, count: m * n)
            for piece in BLASThreading.pieces(m: m, n: n, k: k) {
                for i in piece.rows { for j in piece.columns { covered[i * n + j] += 1 } }
            }
            #expect(covered.allSatisfy { $0 == 1 }, "\(m)×\(n)×\(k)")
        }
        // The longer side is cut, into one piece per core, and a small product is not cut at all.
        let cores = BLASThreading.cores
        let tall = BLASThreading.pieces(m: 2048, n: 576, k: 576), wide = BLASThreading.pieces(m: 100, n: 49_152, k: 576)
        #expect(tall.count == cores && tall.allSatisfy { $0.columns == 0..<576 && abs($0.rows.count - 2048 / cores) <= 1 })
        #expect(wide.count == cores && wide.allSatisfy { $0.rows == 0..<100 && abs($0.columns.count - 49_152 / cores) <= 1 })
        #expect(BLASThreading.pieces(m: 64, n: 64, k: 64).count == 1)
    }

    /// Cut by rows (m = 300) and by columns (m = 9, n = 2500) on a machine with several cores, each
    /// with every transpose.
    @Test(arguments: [(300, 64, 150), (9, 300, 2500)])
    func splitProductsMatchTheNaiveProduct(m: Int, k: Int, n: Int) {
        #expect(BLASThreading.cores == 1 || BLASThreading.pieces(m: m, n: n, k: k).count > 1)
        Reference.expectEveryTransposeMatches(Reference.random(m, k, seed: 11), Reference.random(k, n, seed: 12))
    }

    @Test func splitProductAccumulatesIntoASubMatrix() {
        // c's leading dimension is wider than the product: pieces must land at the right offsets.
        let (m, n, k, ldc) = (260, 40, 300, 47)
        let a = Reference.random(m, k, seed: 13), b = Reference.random(k, n, seed: 14)
        var c = Reference.random(m, ldc, seed: 15)
        let start = c
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                c.values.withUnsafeMutableBufferPointer { cp in
                    BLAS.gemm(m: m, n: n, k: k, alpha: 2, ap.baseAddress!, lda: k, bp.baseAddress!, ldb: n,
                              beta: -1, cp.baseAddress! + 3, ldc: ldc)
                }
            }
        }
        let product = Reference.naiveProduct(a, b)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<ldc {
                let expected = (3..<3 + n).contains(j) ? 2 * product[i][j - 3] - Double(start[i, j]) : Double(start[i, j])
                worst = max(worst, abs(Double(c[i, j]) - expected))
            }
        }
        #expect(worst < 1e-4)
    }

    @Test func panelledGramMatchesTheNaiveGram() {
        let x = Reference.random(90, 300, seed: 16)  // 3 panels of 128 columns
        var h = Matrix(rows: 300, cols: 300, repeating: 1)
        BLAS.accumulateGram(x, alpha: 0.5, beta: 2, into: &h)
        let xtx = Reference.naiveProduct(x.transposed(), x)
        #expect(Reference.maxError(h, xtx.map { $0.map { 0.5 * $0 + 2 } }) < 1e-4)
    }

    /// The same product while other products and factorizations run concurrently gives the same
    /// bits: nothing process-wide changes between calls.
    @Test func resultsDoNotDependOnConcurrentWork() throws {
        let a = Reference.random(600, 500, seed: 17), b = Reference.random(500, 700, seed: 18)
        let h = Reference.spd(400, seed: 19)
        let alone = (BLAS.matmul(a, b), try LAPACK.inverseSPD(h))
        let concurrent = Parallel.map(8) { index -> (Matrix, Matrix?) in
            index.isMultiple(of: 2) ? (BLAS.matmul(a, b), try? LAPACK.inverseSPD(h))
                                    : (Attention.forward(q: a, k: a, v: a, heads: 10, keyValueHeads: 5, headDim: 50), nil)
        }
        for (index, result) in concurrent.enumerated() where index.isMultiple(of: 2) {
            #expect(result.0.values == alone.0.values)
            #expect(result.1?.values == alone.1.values)
        }
    }
}
