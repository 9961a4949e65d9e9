import Foundation
import Traces

/// What one block's pruning did, for the progress line.
public struct BlockReport: Sendable {
    public var block: Int
    public var seconds: Double
    public var layers: [TraceLayer]
    /// BESA: reconstruction loss at the start and the end of the block's epoch.
    public var loss: (start: Double, end: Double)?
    /// BESA: the block sparsity it learned, before the masks were rounded to whole weights.
    public var learnedSparsity: Double?
    /// BESA with joint quantization: the mean learned clipping strength.
    public var clippingStrength: Double?
    /// The block's layers came from an earlier, interrupted run (`resumingAfter`), not from pruning.
    public var resumed = false
    public var sparsity: Double {
        let kept = layers.reduce(0) { $0 + $1.mask.nonzeroCount }, total = layers.reduce(0) { $0 + $1.mask.count }
        return 1 - Double(kept) / Double(total)
    }
}

/// Prunes a model block by block, as the references do: run the dense block on the current inputs
/// collecting statistics for all seven linears at once, prune them, re-run the pruned block on the
/// same inputs, and feed its outputs to the next block (so errors propagate). Only one block's
/// activations for all windows are held at a time. What to do is the recipe's; how a block's masks
/// come about is its method's (`BlockMethod`).
public struct BlockwisePruner {
    public var recipe: PruneRecipe
    /// Receives SparseGPT's damping warnings.
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(recipe: PruneRecipe) {
        self.recipe = recipe
    }

    /// Prunes `model` in place; `onBlock` is called after each block with its layers. `finished`
    /// holds the layers of the first blocks as an earlier run of the same settings pruned them (its
    /// checkpoint): they are put in place and the calibration inputs propagated through them, so the
    /// run continues exactly where that one stopped.
    public func prune(_ model: inout LlamaModel, calibration: [[Int32]], resumingAfter finished: [[TraceLayer]] = [],
                      onBlock: (BlockReport) throws -> Void) throws {
        let dense = model
        try prune(dense, blocks: ResidentBlocks(dense.weights.blocks), calibration: calibration, resumingAfter: finished) { report, pruned in
            model.weights.blocks[report.block] = pruned
            try onBlock(report)
        }
    }

    /// Prunes the blocks `source` gives, in order, reading each only when its turn comes: `model`
    /// serves the embedding and the rotary tables (its own blocks are not read). `onBlock` receives
    /// each block's report and pruned weights; nothing else of a finished block is kept, so the
    /// weights resident are one block's (plus whatever the caller keeps of what `onBlock` gets).
    public func prune(_ model: LlamaModel, blocks source: any BlockSource, calibration: [[Int32]],
                      resumingAfter finished: [[TraceLayer]] = [], onBlock: (BlockReport, BlockWeights) throws -> Void) throws {
        try recipe.validate()
        let method = recipe.blockMethod, needsData = recipe.method.needsData, withGram = recipe.collectsGramMatrices
        var inputs = needsData ? calibration.map { model.embed($0) } : []
        precondition(finished.count <= source.count, "more finished blocks than the model has")
        for (block, layers) in finished.enumerated() {
            var weights = try source.load(block)
            Self.install(layers, in: &weights)
            if needsData { model.advance(&inputs, through: weights) }
            try onBlock(BlockReport(block: block, seconds: 0, layers: layers, resumed: true), weights)
        }
        for block in finished.count..<source.count {
            let start = Date()
            // The dense block; it becomes the pruned one in place at the end (one block resident, not two).
            var weights = try source.load(block)
            var statistics: [Projection: InputStatistics] = [:]
            var denseOutputs: [Matrix] = []
            if needsData {
                for x in inputs {
                    let output = model.block(weights, x) { projection, input in
                        // q/k/v and gate/up share their input: keep one set each.
                        guard projection.sharedInput == projection else { return }
                        statistics[projection, default: InputStatistics(channels: input.cols, withGram: withGram)].add(input)
                    }
                    if method.needsDenseOutputs { denseOutputs.append(output) }
                }
            }
            // The context (and with it the dense outputs) is gone before the weight update starts.
            let pruning = try method.prune(BlockContext(model: model, block: block, dense: weights, inputs: inputs,
                                                        denseOutputs: consume denseOutputs, statistics: statistics, log: log))
            var layers = pruning.layers
            if recipe.weightUpdate != .none {
                layers = try layers.map { layer in
                    try recipe.weightUpdate.apply(to: layer, original: weights[layer.id.projection],
                                                  hessian: statistics[layer.id.projection.sharedInput]!.hessian,
                                                  perRow: method.allocatesPerRow) { log("\(layer.id): \($0)") }
                }
            }
            if let quantizer = recipe.roundToNearest {
                layers = layers.map { Self.quantized($0, original: weights[$0.id.projection], quantizer) }
            }
            Self.install(layers, in: &weights)
            if needsData { model.advance(&inputs, through: weights) }
            try onBlock(BlockReport(block: block, seconds: Date().timeIntervalSince(start), layers: layers, loss: pruning.loss,
                                    learnedSparsity: pruning.learnedSparsity, clippingStrength: pruning.clippingStrength), weights)
        }
    }

    /// Replaces the block's linears by the pruned layers: their weights when they carry some, else
    /// the block's own, masked in place.
    static func install(_ layers: [TraceLayer], in block: inout BlockWeights) {
        for layer in layers {
            if let weight = layer.weight {
                block[layer.id.projection] = Matrix(rows: layer.mask.rows, cols: layer.mask.cols, values: weight)
            } else {
                block.linears[layer.id.projection]!.zeroPruned(by: layer.mask)
            }
        }
    }

    /// The layer with its kept weights (SparseGPT's updated ones, else the original) rounded to
    /// the quantizer's grid; pruned weights stay exactly zero (0 is always on the grid).
    static func quantized(_ layer: TraceLayer, original: Matrix, _ quantizer: UniformQuantizer) -> TraceLayer {
        let base = layer.weight.map { Matrix(rows: original.rows, cols: original.cols, values: $0) } ?? original.zeroingPruned(by: layer.mask)
        var result = layer
        result.weight = quantizer.quantize(base).values
        result.quantization = WeightQuantization(bits: quantizer.bits, groupSize: quantizer.groupSize)
        return result
    }
}
