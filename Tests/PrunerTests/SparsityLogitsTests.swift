import Foundation
import SparsimSupport
import Testing
import Traces
@testable import Pruner

@Suite struct SparsityLogitsTests {
    @Test func zeroLogitsGiveHalfSparsityAndWandasMask() {
        let logits = SparsityLogits(groups: 3, inputs: 77)
        for group in 0..<3 {
            #expect(abs(logits.sparsity(group: group) - 0.5) < 1e-12)
            #expect(logits.hardPruneCount(group: group) == 38)  // floor(77 · 0.5), Wanda's count at s = 0.5
        }
        // With α = 0 the hard mask over Wanda's ranking is Wanda's mask at 50%.
        let weight = PruningMethodTests.tied(3, 77, seed: 12)
        let norms = (0..<77).map { Float($0 % 9) + 0.5 }
        let wanda = Wanda.prune(weight, inputNorms: norms, sparsity: 0.5, pattern: .unstructured)
        let scores = Wanda.scores(weight, inputNorms: norms)
        for row in 0..<3 {
            let order = PruningMethodTests.naiveOrder(Array(scores[row * 77..<(row + 1) * 77]))
            for (rank, col) in order.enumerated() {
                #expect(wanda[row, col] == (rank >= logits.hardPruneCount(group: row)))
            }
        }
    }

    @Test func softKeepIsTheCandidateMixture() {
        var logits = SparsityLogits(groups: 1, inputs: 40)
        var generator = SeededGenerator(seed: 4)
        for k in logits.alpha.indices { logits.alpha[k] = generator.nextUnit() * 6 - 3 }
        let p = logits.probabilities(group: 0)
        let soft = logits.softKeep(group: 0)
        for rank in 0..<40 {
            let direct = (0..<101).reduce(0.0) { $0 + (rank >= logits.pruneCounts[$1] ? p[$1] : 0) }
            #expect(abs(soft[rank] - direct) < 1e-12)
        }
        #expect(zip(soft, soft.dropFirst()).allSatisfy { $0 <= $1 }, "later ranks are kept at least as often")
        #expect(abs(p.reduce(0, +) - 1) < 1e-12)
    }

    /// L = Σ_r c_r m_r + λ (ŝ − 0.3)², checked against central finite differences in Double, for
    /// the reference's candidates and parameterization and for the ablations' variants.
    @Test(arguments: [(101, SparsityLogits.Parameterization.sigmoidSoftmax), (21, .sigmoidSoftmax), (101, .softmax), (11, .softmax)])
    func gradientMatchesFiniteDifferences(candidates: Int, parameterization: SparsityLogits.Parameterization) {
        var logits = SparsityLogits(groups: 2, inputs: 23, candidates: candidates, parameterization: parameterization)
        var generator = SeededGenerator(seed: 8)
        for k in logits.alpha.indices { logits.alpha[k] = generator.nextUnit() * 4 - 2 }
        let weights = (0..<23).map { _ in generator.nextUnit() * 2 - 1 }
        let lambda = 5.0
        func loss(_ l: SparsityLogits, group: Int) -> Double {
            let s = l.sparsity(group: group)
            return zip(l.softKeep(group: group), weights).reduce(0) { $0 + $1.0 * $1.1 } + lambda * (s - 0.3) * (s - 0.3)
        }
        for group in 0..<2 {
            let s = logits.sparsity(group: group)
            let analytic = logits.gradient(group: group, maskGradientByRank: weights, sparsityGradient: 2 * lambda * (s - 0.3))
            var worst = 0.0, scale = 0.0
            for k in 0..<candidates {
                var plus = logits, minus = logits
                let h = 1e-6
                plus.alpha[group * candidates + k] += h
                minus.alpha[group * candidates + k] -= h
                let numeric = (loss(plus, group: group) - loss(minus, group: group)) / (2 * h)
                worst = max(worst, abs(numeric - analytic[k]))
                scale = max(scale, abs(numeric))
            }
            #expect(worst / scale < 1e-6, "relative error \(worst / scale)")
        }
    }

    /// The reference's parameterization cannot leave [0.376, 0.624] however large the logits (each
    /// candidate weighs between 1 and e); softmax(α) reaches either end.
    @Test func onlyThePlainSoftmaxReachesTheWholeRange() {
        var reference = SparsityLogits(groups: 1, inputs: 1000)
        // The sparsest ŝ the reference allows: weight e on every candidate above some cut, 1 below.
        let candidates = reference.candidates
        let bound = candidates.map { cut in
            let weights = candidates.map { $0 >= cut ? exp(1.0) : 1 }
            return zip(weights, candidates).reduce(0) { $0 + $1.0 * $1.1 } / weights.reduce(0, +)
        }.max()!
        #expect(bound > 0.62 && bound < 0.625, "bound \(bound)")  // 0.6237: ŝ ∈ [0.376, 0.624]
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            reference.alpha = reference.alpha.map { _ in generator.nextUnit() < 0.5 ? -40 : 40 }
            let s = reference.sparsity(group: 0)
            #expect(s <= bound + 1e-12 && s >= 1 - bound - 1e-12, "ŝ = \(s)")
        }
        var plain = SparsityLogits(groups: 1, inputs: 1000, parameterization: .softmax)
        plain.alpha = plain.candidates.map { $0 == 1 ? 40 : 0 }
        #expect(plain.sparsity(group: 0) > 0.99)
        plain.alpha = plain.candidates.map { $0 == 0 ? 40 : 0 }
        #expect(plain.sparsity(group: 0) < 0.01)
    }
}

extension SparsityLogitsTests {
    /// BESA keeps W ⊙ M from step to step and re-masks only the ranks whose mask changed: after any
    /// sequence of prune counts, up and down, it must equal W times a freshly made hard mask.
    @Test(arguments: [BESA.Granularity.row, .layer])
    func remaskingStepByStepEqualsMaskingAfresh(granularity: BESA.Granularity) {
        let (rows, cols) = (6, 50)
        let weight = PruningMethodTests.tied(rows, cols, seed: 21)
        var generator = SeededGenerator(seed: 9)
        let scores = (0..<rows * cols).map { _ in Float(Int(generator.nextUnit() * 8)) }  // ties everywhere
        let groups = granularity == .row ? rows : 1
        let layer = RankedLayer(projection: .up, weight: weight, scores: scores, logits: SparsityLogits(groups: groups, inputs: cols))
        var masked = weight, current = [Int](repeating: 0, count: groups)
        for step in 0..<40 {
            // Small moves as training makes, and now and then a jump to either end.
            let counts = current.map { count in
                step % 13 == 12 ? (generator.nextUnit() < 0.5 ? 0 : cols) : max(0, min(cols, count + Int(generator.nextUnit() * 11) - 5))
            }
            layer.remask(&masked, from: current, to: counts)
            current = counts
            let mask = layer.hardMask(pruneCounts: counts)
            #expect(masked.values == zip(weight.values, mask.values).map { $0 * $1 }, "step \(step)")
        }
    }
}

extension SparsityLogits.Parameterization: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}
