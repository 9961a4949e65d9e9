import Foundation
import Testing
import TestSupport
import Traces
@testable import Pruner

/// The pieces that let pruning hold one block at a time: blocks read on demand, evaluation carried
/// through the blocks alongside pruning, and the memory bound `prune` prints.
@Suite struct BlockMajorTests {
    /// Block-major perplexity (all windows through one block, then the next) runs each window
    /// through the same operations as the window-major `Perplexity.evaluate`: equal to the bit.
    @Test func blockMajorPerplexityEqualsWindowMajor() {
        let model = TinyModels.resident()
        let tokens = (0..<200).map { Int32($0 * 13 % 50) }
        var blockMajor = BlockMajorPerplexity(model: model, tokens: tokens, seqlen: 24, maxWindows: 5)
        for block in model.weights.blocks { blockMajor.advance(through: block, of: model) }
        let expected = Perplexity.evaluate(model, tokens: tokens, seqlen: 24, maxWindows: 5)
        #expect(blockMajor.result(model) == expected)
        #expect(expected.windows == 5)
    }

    /// Pruning from a source that hands out one block at a time gives the masks and pruned blocks
    /// of pruning the resident model, bit for bit, and passes each pruned block on exactly once.
    /// SparseGPT and BESA with the least-squares update factor matrices in LAPACK, whose rounding
    /// must not depend on what the tests running alongside do (`BLASThreading`).
    @Test(arguments: [PruningMethod.wanda, .sparsegpt, .besa])
    func pruningFromABlockSourceMatchesTheResidentModel(method: PruningMethod) throws {
        let model = TinyModels.resident()
        var resident = model
        var residentLayers: [TraceLayer] = []
        let pruner = BlockwisePruner(recipe: PruneRecipe(method: method, weightUpdate: method == .besa ? .lstsq : WeightUpdate.none))
        try pruner.prune(&resident, calibration: BlockwisePrunerTests.calibration) { residentLayers += $0.layers }
        var shell = model
        shell.weights.blocks = []
        var streamedLayers: [TraceLayer] = [], streamedBlocks: [BlockWeights] = []
        try pruner.prune(shell, blocks: ResidentBlocks(model.weights.blocks), calibration: BlockwisePrunerTests.calibration) { report, block in
            streamedLayers += report.layers
            streamedBlocks.append(block)
        }
        #expect(streamedLayers.map(\.mask) == residentLayers.map(\.mask))
        for projection in Projection.allCases {
            #expect(streamedBlocks.map { $0[projection].values } == resident.weights.blocks.map { $0[projection].values })
        }
        #expect(streamedBlocks.count == model.config.layers)
    }

    /// SmolLM2-135M (hidden 576, MLP 1536, 9 heads over 3 key/value heads, 49,152 tokens, tied) at
    /// 32 × 512, terms worked out by hand: a block is 2·576² + 2·192·576 + 3·576·1536 weights and
    /// two norms of 576.
    @Test func memoryBoundOfSmolLM2() {
        let config = LlamaConfig(hiddenSize: 576, intermediateSize: 1536, layers: 30, heads: 9, keyValueHeads: 3, vocabularySize: 49_152,
                                 ropeTheta: 100_000, rmsNormEpsilon: 1e-5, maxPositions: 8192, tiedEmbeddings: true)
        let memory = PruningMemory(config: config, recipe: PruneRecipe(method: .wanda),
                                   calibrationRows: 32 * 512, windowRows: 512, startUp: 0)
        let terms = Dictionary(uniqueKeysWithValues: memory.terms.map { ($0.name, $0.bytes) })
        #expect(terms["embedding"] == 49_152 * 576 * 4)
        #expect(terms["block"] == (663_552 + 221_184 + 2_654_208 + 1_152) * 4)
        #expect(terms["activations"] == 16_384 * 576 * 4)
        #expect(memory.terms.map(\.name) == ["start-up", "embedding", "block", "activations", "one window's forward", "allowance"])
        #expect(memory.bytes == memory.terms.reduce(0) { $0 + $1.bytes })
    }
}
