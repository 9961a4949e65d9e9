import Foundation
import SparsimSupport
import Testing
import TestSupport
import Traces
@testable import Pruner

/// The pruning methods against brute force on small random matrices.
@Suite struct PruningMethodTests {
    /// Weights that tie a lot, like the shipped 4-bit model: 7 distinct magnitudes, both signs, zeros.
    static func tied(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in Float(Int(generator.next() % 13) - 6) * 0.25 })
    }

    /// Stable ascending order by brute force: sort (score, index) pairs.
    static func naiveOrder(_ scores: [Float]) -> [Int] {
        scores.enumerated().sorted { ($0.element, $0.offset) < ($1.element, $1.offset) }.map(\.offset)
    }

    @Test(arguments: [0.5, 0.3, 0.73])
    func wandaPrunesTheSameCountInEveryRowAsANaiveSort(sparsity: Double) {
        let weight = Self.tied(24, 40, seed: 1)
        let norms = (0..<40).map { Float(($0 * 7) % 5) + 0.5 }  // ties in the norms too
        let mask = Wanda.prune(weight, inputNorms: norms, sparsity: sparsity, pattern: .unstructured)
        let pruneCount = Int(40 * sparsity)
        for row in 0..<24 {
            let scores = (0..<40).map { abs(weight[row, $0]) * norms[$0].squareRoot() }
            let pruned = Set(Self.naiveOrder(scores).prefix(pruneCount))
            for col in 0..<40 { #expect(mask[row, col] == !pruned.contains(col)) }
        }
        #expect(mask.rowCounts().allSatisfy { $0 == 40 - pruneCount })
    }

    @Test func magnitudeThresholdPrunesEveryTie() {
        let weight = Self.tied(16, 30, seed: 2)
        let mask = Magnitude.prune(weight, sparsity: 0.5, pattern: .unstructured)
        let sorted = weight.values.map(abs).sorted()
        let threshold = sorted[sorted.count / 2]
        for (index, value) in weight.values.enumerated() {
            #expect(mask[index / 30, index % 30] == (abs(value) > threshold))
        }
        // With ties at the threshold the rule removes more than asked, never less.
        #expect(mask.sparsity >= 0.5)
        #expect(mask.sparsity > 0.5)  // this matrix has ties at its median
    }

    @Test(arguments: [(2, 4), (4, 8), (1, 3)])
    func nOfMLeavesExactlyNZerosPerGroup(n: Int, m: Int) throws {
        let weight = Self.tied(12, 48, seed: 3)
        let norms = (0..<48).map { Float($0 % 6) + 1 }
        var h = Matrix.identity(48)
        BLAS.accumulateGram(TinyModels.gaussian(200, 48, seed: 4), into: &h)
        let masks = [
            Magnitude.prune(weight, sparsity: 0, pattern: .nOfM(n: n, m: m)),
            Wanda.prune(weight, inputNorms: norms, sparsity: 0, pattern: .nOfM(n: n, m: m)),
            try SparseGPT.prune(weight, hessian: h, sparsity: 0, pattern: .nOfM(n: n, m: m)).mask,
        ]
        for mask in masks {
            for row in 0..<12 {
                for group in stride(from: 0, to: 48, by: m) {
                    #expect((group..<group + m).filter { !mask[row, $0] }.count == n)
                }
            }
        }
        // Magnitude N:M prunes the n smallest |W| of each group, ties to the lower index.
        for row in 0..<12 {
            for group in stride(from: 0, to: 48, by: m) {
                let scores = (group..<group + m).map { abs(weight[row, $0]) }
                let pruned = Set(Self.naiveOrder(scores).prefix(n).map { $0 + group })
                for col in group..<group + m { #expect(masks[0][row, col] == !pruned.contains(col)) }
            }
        }
    }

    // MARK: SparseGPT against a direct implementation

    /// The equations of SparseGPT written out plainly, in Double: H⁻¹ by Gauss–Jordan, its upper
    /// Cholesky factor by the textbook recurrence, and every pruned weight's error applied to all
    /// later columns at once (no lazy batches).
    static func directSparseGPT(_ weight: Matrix, hessian: Matrix, sparsity: Double, pattern: SparsityPattern, blockSize: Int)
        -> (mask: [Bool], weight: [Double]) {
        let (rows, cols) = (weight.rows, weight.cols)
        var w = weight.values.map(Double.init)
        var h = hessian.values.map(Double.init)
        for j in 0..<cols where h[j * cols + j] == 0 {
            h[j * cols + j] = 1
            for i in 0..<rows { w[i * cols + j] = 0 }
        }
        let mean = (0..<cols).reduce(0.0) { $0 + h[$1 * cols + $1] } / Double(cols)
        for j in 0..<cols { h[j * cols + j] += 0.01 * mean }
        // Inverse by Gauss–Jordan.
        var a = h, inverse = (0..<cols * cols).map { $0 / cols == $0 % cols ? 1.0 : 0.0 }
        for p in 0..<cols {
            let pivot = a[p * cols + p]
            for k in 0..<cols { a[p * cols + k] /= pivot; inverse[p * cols + k] /= pivot }
            for r in 0..<cols where r != p {
                let f = a[r * cols + p]
                if f == 0 { continue }
                for k in 0..<cols { a[r * cols + k] -= f * a[p * cols + k]; inverse[r * cols + k] -= f * inverse[p * cols + k] }
            }
        }
        // Upper Cholesky U with inverse = UᵀU.
        var u = [Double](repeating: 0, count: cols * cols)
        for i in 0..<cols {
            var diagonal = inverse[i * cols + i]
            for k in 0..<i { diagonal -= u[k * cols + i] * u[k * cols + i] }
            u[i * cols + i] = diagonal.squareRoot()
            for j in (i + 1)..<max(i + 1, cols) {
                var value = inverse[i * cols + j]
                for k in 0..<i { value -= u[k * cols + i] * u[k * cols + j] }
                u[i * cols + j] = value / u[i * cols + i]
            }
        }
        var pruned = [Bool](repeating: false, count: rows * cols)
        for start in stride(from: 0, to: cols, by: blockSize) {
            let end = min(start + blockSize, cols)
            if case .unstructured = pattern {
                var scores: [Double] = []
                for i in 0..<rows { for j in start..<end { scores.append(w[i * cols + j] * w[i * cols + j] / (u[j * cols + j] * u[j * cols + j])) } }
                let threshold = scores.sorted()[Int(Double(scores.count) * sparsity)]
                var index = 0
                for i in 0..<rows { for j in start..<end { pruned[i * cols + j] = scores[index] <= threshold; index += 1 } }
            }
            for j in start..<end {
                if case .nOfM(let n, let m) = pattern, (j - start) % m == 0 {
                    for i in 0..<rows {
                        let scores = (j..<j + m).map { Float(w[i * cols + $0] * w[i * cols + $0] / (u[$0 * cols + $0] * u[$0 * cols + $0])) }
                        for k in naiveOrder(scores).prefix(n) { pruned[i * cols + j + k] = true }
                    }
                }
                for i in 0..<rows {
                    let value = w[i * cols + j]
                    let error = (pruned[i * cols + j] ? value : 0) / u[j * cols + j]
                    for k in j..<cols { w[i * cols + k] -= error * u[j * cols + k] }
                    if pruned[i * cols + j] { w[i * cols + j] = 0 }
                }
            }
        }
        return (pruned.map { !$0 }, w)
    }

    @Test(arguments: [(SparsityPattern.unstructured, 0.5), (.nOfM(n: 2, m: 4), 0.5)])
    func sparseGPTEqualsTheDirectEquations(pattern: SparsityPattern, sparsity: Double) throws {
        let (rows, cols) = (20, 96)
        let weight = TinyModels.gaussian(rows, cols, seed: 5)
        var x = TinyModels.gaussian(400, cols, seed: 6)
        for i in 0..<400 { x[i, 3] = 0 }  // a dead input column
        for i in 0..<400 { for j in 0..<cols { x[i, j] *= Float(1 + j % 5) } }
        var h = Matrix(rows: cols, cols: cols)
        BLAS.accumulateGram(x, alpha: 2 / 400, beta: 0, into: &h)
        let ours = try SparseGPT.prune(weight, hessian: h, sparsity: sparsity, pattern: pattern, blockSize: 32)
        let direct = Self.directSparseGPT(weight, hessian: h, sparsity: sparsity, pattern: pattern, blockSize: 32)
        #expect(ours.mask.toBools() == direct.mask)
        let worst = zip(ours.weight.values, direct.weight).map { abs(Double($0) - $1) }.max()!
        #expect(worst < 1e-4, "max weight difference \(worst)")
        #expect(ours.damping == 0.01)
        // Pruned weights are exactly zero, and the dead column is entirely zero.
        for i in 0..<rows { #expect(ours.weight[i, 3] == 0) }
        for (keep, value) in zip(ours.mask.toBools(), ours.weight.values) where !keep { #expect(value == 0) }
    }

    @Test func sparseGPTReconstructsBetterThanWandaAndMagnitude() throws {
        let (rows, cols) = (48, 128)
        let weight = TinyModels.gaussian(rows, cols, seed: 7)
        var x = TinyModels.gaussian(512, cols, seed: 8)
        // Correlated, unevenly scaled inputs, as real activations are.
        for i in 0..<512 {
            for j in 1..<cols { x[i, j] = 0.6 * x[i, j - 1] + 0.8 * x[i, j] }
            for j in 0..<cols where j % 16 == 0 { x[i, j] *= 6 }
        }
        var stats = InputStatistics(channels: cols, withGram: true)
        for chunk in 0..<4 {
            stats.add(Matrix(rows: 128, cols: cols, values: Array(x.values[chunk * 128 * cols..<(chunk + 1) * 128 * cols])))
        }
        func error(_ w: Matrix) -> Float {
            let reference = BLAS.matmul(x, weight, transposeB: true), approximation = BLAS.matmul(x, w, transposeB: true)
            return zip(reference.values, approximation.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        }
        let sparse = try SparseGPT.prune(weight, hessian: stats.hessian, sparsity: 0.5, pattern: .unstructured)
        let wanda = weight.zeroingPruned(by: Wanda.prune(weight, inputNorms: stats.meanSquaredNorms, sparsity: 0.5, pattern: .unstructured))
        let magnitude = weight.zeroingPruned(by: Magnitude.prune(weight, sparsity: 0.5, pattern: .unstructured))
        let (e1, e2, e3) = (error(sparse.weight), error(wanda), error(magnitude))
        #expect(e1 < e2, "SparseGPT \(e1) vs Wanda \(e2)")
        #expect(e1 < e3, "SparseGPT \(e1) vs magnitude \(e3)")
        #expect(abs(sparse.mask.sparsity - 0.5) < 0.01)
    }

    @Test func failingCholeskyRaisesDampingAndSaysSo() throws {
        // An indefinite "Hessian" (a negative direction larger than 1% damping can fix).
        var h = Matrix.identity(8)
        h[0, 0] = -1
        var messages: [String] = []
        let result = try SparseGPT.prune(TinyModels.gaussian(4, 8, seed: 9), hessian: h, sparsity: 0.5, pattern: .unstructured) { messages.append($0) }
        #expect(result.damping > 0.01)
        #expect(!messages.isEmpty && messages[0].contains("Cholesky failed"))
    }

    @Test func calibrationWindowsAreSeededAndInBounds() {
        let tokens = (0..<1000).map { Int32($0) }
        let a = Calibration.windows(tokens, count: 20, seqlen: 64, seed: 1)
        #expect(a == Calibration.windows(tokens, count: 20, seqlen: 64, seed: 1))
        #expect(a != Calibration.windows(tokens, count: 20, seqlen: 64, seed: 2))
        for window in a {
            #expect(window.count == 64)
            #expect(window.last! - window.first! == 63)  // contiguous text
            #expect(window.last! < 1000)
        }
    }
}
