import Foundation
import SparsimSupport
import Testing
import TestSupport
import Traces
@testable import Pruner

/// The optimizers of BESA's logits, on the quadratic ½ Σ a_i (x_i − b_i)² whose minimum is b.
@Suite struct OptimizerTests {
    static let curvature = [1.0, 4.0, 0.25, 2.0]
    static let minimum = [3.0, -1.0, 0.5, 10.0]
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/reference_prodigy.py").path
    static let hasProdigyopt = (try? ExternalProcess.python(["-c", "import prodigyopt, torch"]).status) == 0

    /// `copies` side by side of the quadratic's four coordinates.
    static func run(_ optimizer: inout some LogitOptimizer, steps: Int, copies: Int = 1) -> [Double] {
        var x = [Double](repeating: 0, count: curvature.count * copies)
        for _ in 0..<steps {
            let gradient = x.indices.map { curvature[$0 % 4] * (x[$0] - minimum[$0 % 4]) }
            optimizer.step(&x, gradient: gradient)
        }
        return x
    }

    /// Prodigy's sums over a large vector run in chunks on all cores: 5,000 copies of the problem
    /// (20,000 logits, 16 chunks) scale both of d's sums by 5,000, so d and every copy's iterate
    /// follow the single problem's, up to the rounding of the longer sums.
    @Test func prodigyOnManyParametersFollowsTheSmallProblem() {
        var small = Prodigy(parameterCount: 4, dCoef: 5), large = Prodigy(parameterCount: 20_000, dCoef: 5)
        let expected = Self.run(&small, steps: 60), result = Self.run(&large, steps: 60, copies: 5_000)
        #expect(Prodigy.chunks(20_000).count == 16)
        #expect(abs(large.d - small.d) <= 1e-9 * small.d, "d \(large.d) vs \(small.d)")
        for (index, value) in result.enumerated() {
            #expect(abs(value - expected[index % 4]) <= 1e-9 * max(1, abs(expected[index % 4])), "x[\(index)]")
        }
    }

    @Test(.enabled(if: hasProdigyopt || ExternalProcess.mustRunEverything, "needs python3 with prodigyopt and torch"))
    func prodigyFollowsTheProdigyoptPackage() throws {
        for (dCoef, steps) in [(1.0, 40), (5.0, 60)] {
            var prodigy = Prodigy(parameterCount: 4, dCoef: dCoef)
            let ours = Self.run(&prodigy, steps: steps) + [prodigy.d]
            let result = try ExternalProcess.python([Self.script, Self.curvature.map { "\($0)" }.joined(separator: ","),
                                                     Self.minimum.map { "\($0)" }.joined(separator: ","), "\(dCoef)", "\(steps)"])
            try #require(result.status == 0, "\(result.stderr)")
            let reference = result.stdout.split(separator: " ").map { Double($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
            try #require(reference.count == ours.count)
            for (a, b) in zip(ours, reference) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "d_coef \(dCoef): \(ours) vs \(reference)") }
        }
    }

    @Test func prodigyStartsWithATinyStepAndGrowsItsEstimate() {
        // Step 1 moves against the gradient g by d0 (1 − β1) / (√(1 − β2) + ε/|g|), with d0 = 1e-6.
        var prodigy = Prodigy(parameterCount: 4)
        let first = Self.run(&prodigy, steps: 1)
        for i in first.indices {
            let g = -Self.curvature[i] * Self.minimum[i]
            let expected = -1e-6 * 0.1 / (0.001.squareRoot() + 1e-8 / abs(g)) * (g > 0 ? 1 : -1)
            #expect(abs(first[i] - expected) < 1e-18)
        }
        // Then d grows towards the distance to the minimum and the iterate gets there.
        var converging = Prodigy(parameterCount: 4)
        let last = Self.run(&converging, steps: 400)
        #expect(converging.d > 0.1)
        for (x, b) in zip(last, Self.minimum) { #expect(abs(x - b) < 0.05, "\(last)") }
    }

    @Test func adamFirstStepIsTheLearningRateAndItConverges() {
        var adam = Adam(parameterCount: 4, learningRate: 0.1)
        let first = Self.run(&adam, steps: 1)
        for (x, b) in zip(first, Self.minimum) { #expect(abs(abs(x) - 0.1) < 1e-6 && (x > 0) == (b > 0)) }
        var converging = Adam(parameterCount: 4, learningRate: 0.1)
        for (x, b) in zip(Self.run(&converging, steps: 2000), Self.minimum) { #expect(abs(x - b) < 0.05) }
    }
}

/// Whole-weight prune counts from learned sparsities (BESA's final masks).
@Suite struct PruneCountsTests {
    @Test func rowWiseCountsHitTheTargetExactlyAndKeepTheLearnedOrder() {
        var generator = SeededGenerator(seed: 7)
        // Two layers, row-wise: ŝ_g spread around 0.47 (a soft penalty's typical undershoot).
        let sparsities = [(0..<40).map { _ in 0.35 + Double.random(in: 0..<0.24, using: &generator) }, (0..<25).map { _ in 0.40 + Double.random(in: 0..<0.2, using: &generator) }]
        let inputs = [64, 96]
        let counts = PruneCounts.matching(target: 0.5, sparsities: sparsities, inputs: inputs, rowsPerGroup: [1, 1])
        let total = 40 * 64 + 25 * 96
        #expect(counts[0].reduce(0, +) + counts[1].reduce(0, +) == Int((0.5 * Double(total)).rounded()))
        for layer in 0..<2 {
            for a in counts[layer].indices {
                #expect((0...inputs[layer]).contains(counts[layer][a]))
                for b in counts[layer].indices where sparsities[layer][a] > sparsities[layer][b] {
                    #expect(counts[layer][a] >= counts[layer][b], "a sparser learned row never prunes fewer weights")
                }
            }
        }
    }

    @Test func sparsitiesAlreadyOnTargetAreLeftAlone() {
        let counts = PruneCounts.matching(target: 0.5, sparsities: [[0.5, 0.5], [0.25, 0.75]], inputs: [8, 8], rowsPerGroup: [1, 1])
        #expect(counts == [[4, 4], [2, 6]])
    }

    @Test func layerWiseGroupsLandWithinOneRowOfWeights() {
        // Layer-wise: one group per layer, +1 in a group prunes one weight in every row.
        let rows = [16, 48, 16], inputs = [32, 32, 48]
        let sparsities = [[0.52], [0.44], [0.49]]
        let counts = PruneCounts.matching(target: 0.5, sparsities: sparsities, inputs: inputs, rowsPerGroup: rows)
        let pruned = zip(counts, rows).reduce(0) { $0 + $1.0[0] * $1.1 }
        let total = zip(rows, inputs).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(pruned <= total / 2 && total / 2 - pruned < rows.max()!)
        // The common shift keeps the order of the layers' sparsities.
        #expect(Double(counts[0][0]) / 32 > Double(counts[2][0]) / 48 && Double(counts[2][0]) / 48 > Double(counts[1][0]) / 32)
    }
}

