import Foundation
import SparsimSupport
import Testing
import TestSupport
import Traces
@testable import Pruner

/// The weight updates that follow BESA's masks: least squares against the normal equations solved
/// in Double, SparseGPT's sweep with a fixed mask against SparseGPT itself, and the block loop.
@Suite struct WeightUpdateTests {
    /// Correlated, unevenly scaled inputs with one dead channel, and their H = (2/N) Σ XᵀX.
    static func inputsAndHessian(tokens: Int, cols: Int, seed: UInt64) -> (x: Matrix, h: Matrix) {
        var x = TinyModels.gaussian(tokens, cols, seed: seed)
        for i in 0..<tokens {
            for j in 1..<cols { x[i, j] = 0.6 * x[i, j - 1] + 0.8 * x[i, j] }
            for j in 0..<cols where j % 9 == 0 { x[i, j] *= 5 }
            x[i, 4] = 0
        }
        var h = Matrix(rows: cols, cols: cols)
        BLAS.accumulateGram(x, alpha: 2 / Float(tokens), beta: 0, into: &h)
        return (x, h)
    }

    /// A mask whose rows keep different counts, one row keeping nothing and one everything.
    static func unevenMask(rows: Int, cols: Int, seed: UInt64) -> KeepMask {
        var generator = SeededGenerator(seed: seed)
        var values = [Bool]()
        for row in 0..<rows {
            let keepProbability = row == 0 ? 0 : row == 1 ? 1 : 0.2 + 0.6 * Double(row) / Double(rows)
            values += (0..<cols).map { _ in generator.nextUnit() < keepProbability }
        }
        return KeepMask(rows: rows, cols: cols, values: values)
    }

    /// (w − w₀)ᵀ (H + λI) (w − w₀) summed over rows, in Double: what the least-squares update minimizes.
    static func dampedError(_ w: Matrix, _ w0: Matrix, _ h: Matrix, lambda: Double) -> Double {
        var total = 0.0
        for i in 0..<w.rows {
            let d = (0..<w.cols).map { Double(w[i, $0]) - Double(w0[i, $0]) }
            for a in 0..<w.cols {
                var hd = lambda * d[a]
                for b in 0..<w.cols { hd += Double(h[a, b]) * d[b] }
                total += d[a] * hd
            }
        }
        return total
    }

    /// Gaussian elimination with partial pivoting, in Double.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var (a, b) = (a, b)
        let n = b.count
        for k in 0..<n {
            let pivot = (k..<n).max { abs(a[$0][k]) < abs(a[$1][k]) }!
            a.swapAt(k, pivot)
            b.swapAt(k, pivot)
            for r in k + 1..<n {
                let factor = a[r][k] / a[k][k]
                for c in k..<n { a[r][c] -= factor * a[k][c] }
                b[r] -= factor * b[k]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for k in stride(from: n - 1, through: 0, by: -1) {
            x[k] = (b[k] - (k + 1..<n).reduce(0) { $0 + a[k][$1] * x[$1] }) / a[k][k]
        }
        return x
    }

    @Test func leastSquaresSolvesEachRowsNormalEquations() throws {
        let (rows, cols) = (10, 36)
        let weight = TinyModels.gaussian(rows, cols, seed: 21)
        let (_, h) = Self.inputsAndHessian(tokens: 300, cols: cols, seed: 22)
        let mask = Self.unevenMask(rows: rows, cols: cols, seed: 23)
        let ours = try MaskedLeastSquares.solve(weight, mask: mask, hessian: h)
        let lambda = Damping.fraction * (0..<cols).reduce(0.0) { $0 + Double(h[$1, $1]) } / Double(cols)
        for i in 0..<rows {
            let kept = (0..<cols).filter { mask[i, $0] }, pruned = (0..<cols).filter { !mask[i, $0] }
            for j in pruned { #expect(ours[i, j] == 0) }
            guard !kept.isEmpty else { continue }
            // (H_KK + λI) δ = H_KP w₀_P
            let system = kept.map { a in kept.map { b in Double(h[a, b]) + (a == b ? lambda : 0) } }
            let rhs = kept.map { a in pruned.reduce(0.0) { $0 + Double(h[a, $1]) * Double(weight[i, $1]) } }
            let delta = Self.solve(system, rhs)
            for (index, j) in kept.enumerated() {
                let expected = Double(weight[i, j]) + delta[index]
                #expect(abs(Double(ours[i, j]) - expected) <= 1e-4 * max(1, abs(expected)), "row \(i) col \(j): \(ours[i, j]) vs \(expected)")
            }
        }
        // A row that keeps everything keeps its weights.
        for j in 0..<cols { #expect(abs(ours[1, j] - weight[1, j]) < 1e-5) }
    }

    @Test func leastSquaresBeatsTheGreedySweepOnTheSameMask() throws {
        let (rows, cols) = (16, 64)
        let weight = TinyModels.gaussian(rows, cols, seed: 31)
        let (_, h) = Self.inputsAndHessian(tokens: 400, cols: cols, seed: 32)
        let mask = Wanda.prune(weight, inputNorms: (0..<cols).map { h[$0, $0] }, sparsity: 0.5, pattern: .unstructured)
        let lambda = Damping.fraction * (0..<cols).reduce(0.0) { $0 + Double(h[$1, $1]) } / Double(cols)
        let lstsq = try MaskedLeastSquares.solve(weight, mask: mask, hessian: h)
        let sweep = try SparseGPT.prune(weight, hessian: h, rule: .fixed(mask), blockSize: 16)
        #expect(sweep.mask == mask, "a fixed mask stays fixed")
        let (eL, eS, eM) = (Self.dampedError(lstsq, weight, h, lambda: lambda),
                            Self.dampedError(sweep.weight, weight, h, lambda: lambda),
                            Self.dampedError(weight.zeroingPruned(by: mask), weight, h, lambda: lambda))
        #expect(eL < eS && eS < eM, "least squares \(eL), SparseGPT sweep \(eS), mask alone \(eM)")
        // A minimum: moving any kept weight either way costs error.
        for (i, j) in [(0, 1), (5, 30), (15, 63)] where mask[i, j] {
            for step: Float in [-1e-2, 1e-2] {
                var moved = lstsq
                moved[i, j] += step
                #expect(Self.dampedError(moved, weight, h, lambda: lambda) > eL)
            }
        }
    }

    @Test(arguments: [SparsityPattern.unstructured, .nOfM(n: 2, m: 4)])
    func sparseGPTWithItsOwnMaskFixedReproducesItsWeights(pattern: SparsityPattern) throws {
        let weight = TinyModels.gaussian(12, 96, seed: 41)
        let (_, h) = Self.inputsAndHessian(tokens: 300, cols: 96, seed: 42)
        let free = try SparseGPT.prune(weight, hessian: h, sparsity: 0.5, pattern: pattern, blockSize: 32)
        let fixed = try SparseGPT.prune(weight, hessian: h, rule: .fixed(free.mask), blockSize: 32)
        #expect(fixed.mask == free.mask)
        // Bit for bit: the same sweep on the same factor, and BLAS's rounding does not depend on
        // what the tests running alongside do (`BLASThreading`).
        #expect(fixed.weight == free.weight)
    }

    @Test func rowCountsPruneExactlyTheGivenCountInEveryRow() throws {
        let (rows, cols) = (9, 100)  // 100 = 3 full blocks of 32 and a partial one
        let weight = TinyModels.gaussian(rows, cols, seed: 51)
        let (_, h) = Self.inputsAndHessian(tokens: 300, cols: cols, seed: 52)
        let counts = [0, 100, 50, 37, 63, 1, 99, 45, 55]
        let result = try SparseGPT.prune(weight, hessian: h, rule: .rowCounts(counts), blockSize: 32)
        #expect(result.mask.rowCounts().map { cols - $0 } == counts)
        // The same count in every row is the per-row counterpart of the reference's 50%.
        let even = try SparseGPT.prune(weight, hessian: h, rule: .rowCounts([Int](repeating: 50, count: rows)), blockSize: 32)
        #expect(even.mask.rowCounts() == [Int](repeating: 50, count: rows))
        let reference = try SparseGPT.prune(weight, hessian: h, sparsity: 0.5, pattern: .unstructured, blockSize: 32)
        #expect(abs(even.mask.sparsity - reference.mask.sparsity) < 0.01)
    }
}

/// BESA's masks followed by each update, on the tiny model.
@Suite struct BESAWeightUpdateTests {
    static func pruned(_ update: WeightUpdate) throws -> (model: LlamaModel, reports: [BlockReport]) {
        var model = TinyModels.resident()
        let pruner = BlockwisePruner(recipe: PruneRecipe(method: .besa, weightUpdate: update))
        var reports: [BlockReport] = []
        try pruner.prune(&model, calibration: BlockwisePrunerTests.calibration) { reports.append($0) }
        return (model, reports)
    }

    /// Σ over calibration windows of ‖X (W − W_dense)ᵀ‖² for every linear of block 0, X its input in the dense block.
    static func layerErrors(_ model: LlamaModel, dense: LlamaModel) -> [Projection: Double] {
        var errors: [Projection: Double] = [:]
        for window in BlockwisePrunerTests.calibration {
            _ = dense.block(0, dense.embed(window)) { projection, input in
                let (pruned, original) = (model.weights.blocks[0][projection], dense.weights.blocks[0][projection])
                let difference = Matrix(rows: pruned.rows, cols: pruned.cols, values: zip(pruned.values, original.values).map { $0 - $1 })
                let product = BLAS.matmul(input, difference, transposeB: true)
                errors[projection, default: 0] += product.values.reduce(0) { $0 + Double($1) * Double($1) }
            }
        }
        return errors
    }

    static func blockZeroLoss(_ model: LlamaModel, dense: LlamaModel) -> Double {
        var loss = 0.0
        for window in BlockwisePrunerTests.calibration {
            let x = dense.embed(window)
            _ = BESA.reconstructionGradient(output: model.block(0, x), reference: dense.block(0, x), loss: &loss)
        }
        return loss
    }

    @Test func updatesKeepBESAsMasksAndAllocationAndLowerEachLayersError() throws {
        let dense = TinyModels.resident()
        let plain = try Self.pruned(.none)
        var errors: [WeightUpdate: [Projection: Double]] = [.none: Self.layerErrors(plain.model, dense: dense)]
        for update in [WeightUpdate.sparsegpt, .lstsq, .reprune] {
            let updated = try Self.pruned(update)
            errors[update] = Self.layerErrors(updated.model, dense: dense)
            // Block 0 sees the same inputs either way, so BESA learns the same masks there.
            for (a, b) in zip(plain.reports[0].layers, updated.reports[0].layers) {
                if update == .reprune {
                    #expect(a.mask.rowCounts() == b.mask.rowCounts(), "\(a.id): SparseGPT prunes each row to BESA's count")
                    #expect(a.mask != b.mask, "\(a.id): but chooses its own weights")
                } else {
                    #expect(a.mask == b.mask, "\(a.id): \(update) keeps BESA's mask")
                }
                #expect(a.learnedSparsity == b.learnedSparsity)
                let weight = try #require(b.weight, "\(update) records its weights")
                #expect(updated.model.weights.blocks[0][b.id.projection].values == weight)
                for row in 0..<b.mask.rows { for col in 0..<b.mask.cols where !b.mask[row, col] { #expect(weight[row * b.mask.cols + col] == 0) } }
            }
            if update == .lstsq {
                // Layer-wise optimal also pays off for the whole block here.
                let (loss, plainLoss) = (Self.blockZeroLoss(updated.model, dense: dense), Self.blockZeroLoss(plain.model, dense: dense))
                #expect(loss < 0.9 * plainLoss, "block 0 loss \(loss) with least squares vs \(plainLoss) without")
            }
        }
        // Each layer on its own (dense-block) inputs, the Hessian the updates were given: least
        // squares is optimal for the mask, the sweep is greedy, the mask alone does nothing.
        for projection in Projection.allCases {
            let (l, s, n) = (errors[.lstsq]![projection]!, errors[.sparsegpt]![projection]!, errors[.none]![projection]!)
            #expect(l <= s * 1.0001 && s < n, "\(projection): least squares \(l), sweep \(s), none \(n)")
        }
    }
}
