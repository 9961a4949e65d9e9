import Foundation
import Traces

/// The pruning methods sparsim runs block by block.
public enum PruningMethod: String, CaseIterable, Sendable {
    case magnitude, wanda, sparsegpt, besa
    /// No pruning: round-to-nearest quantization only (with `BlockwisePruner.quantizer`).
    case rtn

    /// Whether the method looks at calibration data.
    public var needsData: Bool { self != .magnitude && self != .rtn }
}

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
/// activations for all windows are held at a time.
public struct BlockwisePruner {
    public var method: PruningMethod
    public var sparsity: Double
    public var pattern: SparsityPattern
    public var besa = BESA.Options()
    /// What to do with the kept weights once a block's masks are final (any method that looks at data).
    public var weightUpdate = WeightUpdate.none
    /// Prune, then quantize each pruned layer's weights with round-to-nearest before the block's
    /// outputs are recomputed (BESA's jointly learned quantization is `besa.jointQuantizer`).
    public var quantizer: UniformQuantizer?
    /// Receives SparseGPT's damping warnings.
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(method: PruningMethod, sparsity: Double, pattern: SparsityPattern) {
        self.method = method
        self.sparsity = sparsity
        self.pattern = pattern
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
        precondition(weightUpdate == .none || method.needsData, "a weight update needs the calibration inputs")
        var inputs = method.needsData ? calibration.map { model.embed($0) } : []
        precondition(finished.count <= source.count, "more finished blocks than the model has")
        for (block, layers) in finished.enumerated() {
            var weights = try source.load(block)
            Self.install(layers, in: &weights)
            if method.needsData { model.advance(&inputs, through: weights) }
            try onBlock(BlockReport(block: block, seconds: 0, layers: layers, resumed: true), weights)
        }
        for block in finished.count..<source.count {
            let start = Date()
            // The dense block; it becomes the pruned one in place at the end (one block resident, not two).
            var weights = try source.load(block)
            var statistics: [Projection: InputStatistics] = [:]
            // The dense block's outputs: BESA's reconstruction targets, so kept only for BESA.
            var denseOutputs: [Matrix] = []
            if method.needsData {
                for x in inputs {
                    let output = model.block(weights, x) { projection, input in
                        // q/k/v and gate/up share their input: keep one set each.
                        guard [.q, .o, .gate, .down].contains(projection) else { return }
                        statistics[projection, default: InputStatistics(channels: input.cols, withGram: collectsGramMatrices)].add(input)
                    }
                    if method == .besa { denseOutputs.append(output) }
                }
            }
            var layers: [TraceLayer] = []
            var loss: (start: Double, end: Double)?
            var learnedSparsity: Double?, clippingStrength: Double?
            if method == .besa {
                let scores = try Dictionary(uniqueKeysWithValues: Projection.allCases.map { projection in
                    (projection, try besa.importance.scores(weights[projection], statistics: statistics[Self.sharedInput(projection)]!))
                })
                let result = BESA.pruneBlock(model, block: block, dense: weights, inputs: inputs, references: denseOutputs, scores: scores,
                                             targetSparsity: sparsity, options: besa)
                denseOutputs = []
                layers = result.layers
                loss = (result.lossStart, result.lossEnd)
                learnedSparsity = result.learnedBlockSparsity
                clippingStrength = result.meanClippingStrength
            } else {
                for projection in Projection.allCases {
                    layers.append(try pruneLayer(weights[projection], id: LayerID(block: block, projection: projection),
                                                 statistics: statistics[Self.sharedInput(projection)]))
                }
            }
            if weightUpdate != .none {
                layers = try layers.map { layer in
                    try weightUpdate.apply(to: layer, original: weights[layer.id.projection],
                                           hessian: statistics[Self.sharedInput(layer.id.projection)]!.hessian,
                                           perRow: allocatesPerRow) { log("\(layer.id): \($0)") }
                }
            }
            if let quantizer {
                layers = layers.map { Self.quantized($0, original: weights[$0.id.projection], quantizer) }
            }
            Self.install(layers, in: &weights)
            if method.needsData { model.advance(&inputs, through: weights) }
            try onBlock(BlockReport(block: block, seconds: Date().timeIntervalSince(start), layers: layers, loss: loss,
                                    learnedSparsity: learnedSparsity, clippingStrength: clippingStrength), weights)
        }
    }

    /// Whether the run accumulates each input's XᵀX (SparseGPT, the weight updates, BESA's OBS ranking).
    public var collectsGramMatrices: Bool {
        method == .sparsegpt || weightUpdate.needsHessian || (method == .besa && besa.importance.needsHessian)
    }

    /// Whether the method's masks allocate sparsity row by row (so `reprune` keeps each row's count)
    /// rather than over the whole layer (so `reprune` keeps the layer's sparsity).
    private var allocatesPerRow: Bool {
        switch method {
        case .wanda: true
        case .besa: besa.granularity == .row
        case .magnitude, .sparsegpt, .rtn: false
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

    /// q/k/v share one input, gate/up another: their statistics are collected once.
    static func sharedInput(_ projection: Projection) -> Projection {
        switch projection {
        case .k, .v: .q
        case .up: .gate
        default: projection
        }
    }

    func pruneLayer(_ weight: Matrix, id: LayerID, statistics: InputStatistics?) throws -> TraceLayer {
        switch method {
        case .magnitude:
            return TraceLayer(id: id, mask: Magnitude.prune(weight, sparsity: sparsity, pattern: pattern))
        case .wanda:
            return TraceLayer(id: id, mask: Wanda.prune(weight, inputNorms: statistics!.meanSquaredNorms, sparsity: sparsity, pattern: pattern))
        case .besa:
            preconditionFailure("BESA prunes whole blocks")
        case .rtn:
            return TraceLayer(id: id, mask: KeepMask(rows: weight.rows, cols: weight.cols, values: [Bool](repeating: true, count: weight.values.count)))
        case .sparsegpt:
            let result = try SparseGPT.prune(weight, hessian: statistics!.hessian, sparsity: sparsity, pattern: pattern) { message in
                log("\(id): \(message)")
            }
            return TraceLayer(id: id, mask: result.mask, weight: result.weight.values)
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
