import Foundation
import Testing
import TestSupport
import Traces
@testable import Pruner

/// Block-by-block pruning on a tiny random LLaMA (2 blocks, GQA, hidden 32).
@Suite struct BlockwisePrunerTests {
    static let calibration: [[Int32]] = Calibration.windows((0..<400).map { Int32($0 * 7 % 50) }, count: 6, seqlen: 16, seed: 0)

    @Test(arguments: PruningMethod.allCases.filter { $0 != .rtn })
    func everyLayerReachesTheTargetAndNothingElseChanges(method: PruningMethod) throws {
        let original = TinyModels.resident()
        var model = original
        var reports: [BlockReport] = []
        try BlockwisePruner(recipe: PruneRecipe(method: method, weightUpdate: WeightUpdate.none)).prune(&model, calibration: Self.calibration) {
            reports.append($0)
        }
        #expect(reports.map(\.block) == [0, 1])
        for report in reports { #expect(abs(report.sparsity - 0.5) < 0.02) }
        for report in reports {
            #expect(report.layers.map(\.id.projection) == Projection.allCases)
            for layer in report.layers {
                let weight = model.weights.blocks[layer.id.block][layer.id.projection]
                switch method {
                case .wanda:
                    // Exactly floor(C_in / 2) pruned in every row.
                    #expect(layer.mask.rowCounts().allSatisfy { $0 == weight.cols - weight.cols / 2 })
                case .besa:
                    break  // BESA moves sparsity between layers; its block total is checked below.
                default:
                    #expect(abs(layer.mask.sparsity - 0.5) < 0.02)
                }
                // The model's weight is zero exactly where the mask prunes.
                for row in 0..<weight.rows { for col in 0..<weight.cols where !layer.mask[row, col] { #expect(weight[row, col] == 0) } }
                #expect((layer.weight != nil) == (method == .sparsegpt))
            }
        }
        // Untouched tensors stay bit-identical.
        #expect(model.weights.embedding == original.weights.embedding)
        #expect(model.weights.finalNorm == original.weights.finalNorm)
        for (a, b) in zip(model.weights.blocks, original.weights.blocks) {
            #expect(a.attentionNorm == b.attentionNorm && a.mlpNorm == b.mlpNorm)
        }
        // Magnitude and Wanda keep the kept weights as they were.
        if method != .sparsegpt {
            for (a, b) in zip(model.weights.blocks, original.weights.blocks) {
                for projection in Projection.allCases {
                    for (x, y) in zip(a[projection].values, b[projection].values) { #expect(x == 0 || x == y) }
                }
            }
        }
    }

    @Test func statisticsOfBlockTwoComeFromThePrunedBlockOne() throws {
        // Wanda on block 1 must see block 0's pruned outputs: compare with statistics gathered by
        // running the already-pruned block 0 by hand.
        var model = TinyModels.resident()
        var blockOneMasks: [TraceLayer] = []
        try BlockwisePruner(recipe: PruneRecipe(method: .wanda)).prune(&model, calibration: Self.calibration) {
            if $0.block == 1 { blockOneMasks = $0.layers }
        }
        var check = TinyModels.resident()
        check.weights.blocks[0] = model.weights.blocks[0]
        var stats = InputStatistics(channels: 32, withGram: false)
        for window in Self.calibration {
            _ = check.block(1, check.block(0, check.embed(window))) { projection, input in
                if projection == .q { stats.add(input) }
            }
        }
        let expected = Wanda.prune(TinyModels.resident().weights.blocks[1][.q], inputNorms: stats.meanSquaredNorms, sparsity: 0.5, pattern: .unstructured)
        #expect(blockOneMasks.first { $0.id.projection == .q }!.mask == expected)
    }
}

extension PruningMethod: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}

@Suite struct BESAPruningTests {
    @Test(arguments: [BESA.Granularity.row, .layer])
    func blocksEndOnTheTargetWithTheLearnedSparsitiesRecorded(granularity: BESA.Granularity) throws {
        var model = TinyModels.resident()
        var recipe = PruneRecipe(method: .besa, weightUpdate: WeightUpdate.none)
        recipe.besa.granularity = granularity
        let pruner = BlockwisePruner(recipe: recipe)
        var reports: [BlockReport] = []
        try pruner.prune(&model, calibration: BlockwisePrunerTests.calibration) { reports.append($0) }
        for report in reports {
            // Within 0.5 pp of s* (the bound); row-wise exactly round(s* · N).
            #expect(abs(report.sparsity - 0.5) <= (granularity == .row ? 1e-9 : 0.005), "block \(report.block): \(report.sparsity)")
            #expect(report.loss != nil && report.learnedSparsity != nil)
            for layer in report.layers {
                let learned = try #require(layer.learnedSparsity)
                #expect(learned.count == (granularity == .row ? layer.mask.rows : 1))
                let pruned = layer.mask.rowCounts().map { layer.mask.cols - $0 }
                if granularity == .layer { #expect(Set(pruned).count == 1, "layer-wise: every row prunes the same count") }
                // Row-wise, a row that learned a higher sparsity never prunes fewer weights.
                for a in learned.indices { for b in learned.indices where learned[a] > learned[b] { #expect(pruned[a] >= pruned[b]) } }
            }
        }
    }

    /// Before any training (α = 0, ŝ = 0.5 everywhere) BESA's mask keeps each row's more important
    /// half; the importances recomputed here from block 0's inputs, in Double.
    @Test(arguments: Importance.allCases)
    func untrainedBESAKeepsTheMoreImportantHalfOfEveryRow(importance: Importance) throws {
        let dense = TinyModels.resident()
        var model = dense
        var recipe = PruneRecipe(method: .besa, weightUpdate: WeightUpdate.none)
        recipe.besa.epochs = 0
        recipe.besa.importance = importance
        let pruner = BlockwisePruner(recipe: recipe)
        var reports: [BlockReport] = []
        try pruner.prune(&model, calibration: BlockwisePrunerTests.calibration) { reports.append($0) }
        var inputs: [Projection: [Matrix]] = [:]
        for window in BlockwisePrunerTests.calibration {
            _ = dense.block(0, dense.embed(window)) { projection, x in inputs[projection, default: []].append(x) }
        }
        for layer in reports[0].layers {
            let w = dense.weights.blocks[0][layer.id.projection], xs = inputs[layer.id.projection]!
            let n = w.cols, windows = Double(xs.count)
            var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for x in xs { for t in 0..<x.rows { for a in 0..<n { for b in 0..<n { h[a][b] += 2 / windows * Double(x[t, a]) * Double(x[t, b]) } } } }
            let normSquared = (0..<n).map { h[$0][$0] / 2 }  // Wanda: the mean over windows of Σ_t x²
            let lambda = 0.01 * (0..<n).reduce(0.0) { $0 + h[$1][$1] } / Double(n)
            let inverseDiagonal = (0..<n).map { j in
                WeightUpdateTests.solve((0..<n).map { a in (0..<n).map { b in h[a][b] + (a == b ? lambda : 0) } },
                                        (0..<n).map { $0 == j ? 1 : 0 })[j]
            }
            for row in 0..<w.rows {
                let scores = (0..<n).map { col -> Double in
                    let v = Double(w[row, col])
                    switch importance {
                    case .wanda: return abs(v) * normSquared[col].squareRoot()
                    case .magnitude: return abs(v)
                    case .obs: return v * v / inverseDiagonal[col]
                    }
                }
                let pruned = Set(scores.enumerated().sorted { ($0.element, $0.offset) < ($1.element, $1.offset) }.prefix(n / 2).map(\.offset))
                #expect((0..<n).allSatisfy { layer.mask[row, $0] == !pruned.contains($0) }, "\(layer.id) row \(row)")
            }
        }
    }

    @Test func jointQuantizationLeavesEveryRowOnAFourBitGrid() throws {
        var model = TinyModels.resident()
        var recipe = PruneRecipe(method: .besa, quantization: QuantizationRecipe(bits: 4, mode: .joint, clippingLearningRate: 0.1))
        recipe.besa.epochs = 5
        let pruner = BlockwisePruner(recipe: recipe)
        var reports: [BlockReport] = []
        try pruner.prune(&model, calibration: BlockwisePrunerTests.calibration) { reports.append($0) }
        for report in reports {
            // Training moved the clipping away from its start, σ(4) = 0.98201.
            let strength = try #require(report.clippingStrength)
            #expect(abs(strength - 1 / (1 + exp(-4))) > 1e-3, "block \(report.block): \(strength)")
            #expect(abs(report.sparsity - 0.5) < 1e-9)
            for layer in report.layers {
                #expect(layer.quantization == WeightQuantization(bits: 4, groupSize: 0))
                let weight = try #require(layer.weight)
                for row in 0..<layer.mask.rows {
                    let values = (0..<layer.mask.cols).map { weight[row * layer.mask.cols + $0] }
                    #expect(Set(values).count <= 16, "a 4-bit row has at most 16 distinct values")
                    for col in 0..<layer.mask.cols where !layer.mask[row, col] { #expect(values[col] == 0) }
                }
                // The model now holds exactly the trace's weights.
                #expect(model.weights.blocks[layer.id.block][layer.id.projection].values == weight)
            }
        }
    }

    /// Learning must pay off: on block 0, BESA's masks reconstruct the dense block's outputs better
    /// than Wanda's uniform 50% masks (BESA's starting point, α = 0) at the same block sparsity.
    @Test func learnedMasksReconstructBetterThanTheirWandaStart() throws {
        let dense = TinyModels.resident()
        var recipe = PruneRecipe(method: .besa, weightUpdate: WeightUpdate.none)
        recipe.besa.epochs = 30
        let pruner = BlockwisePruner(recipe: recipe)
        var besaModel = dense
        try pruner.prune(&besaModel, calibration: BlockwisePrunerTests.calibration) { _ in }
        var wandaModel = dense
        try BlockwisePruner(recipe: PruneRecipe(method: .wanda)).prune(&wandaModel, calibration: BlockwisePrunerTests.calibration) { _ in }
        func blockZeroLoss(_ pruned: LlamaModel) -> Double {
            var loss = 0.0
            for window in BlockwisePrunerTests.calibration {
                let x = dense.embed(window)
                _ = BESA.reconstructionGradient(output: pruned.block(0, x), reference: dense.block(0, x), loss: &loss)
            }
            return loss
        }
        let besa = blockZeroLoss(besaModel), wanda = blockZeroLoss(wandaModel)
        #expect(besa < 0.95 * wanda, "BESA \(besa) vs Wanda \(wanda)")
    }
}

extension Importance: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}

extension BESA.Granularity: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}
