import Traces

/// What a method sees of one block: its dense weights and, for the methods that look at data,
/// the block's inputs for every calibration window, the statistics of its linears' inputs and
/// (when asked for) the dense block's outputs.
struct BlockContext {
    let model: LlamaModel
    let block: Int
    let dense: BlockWeights
    let inputs: [Matrix]
    let denseOutputs: [Matrix]
    /// Keyed by the projection whose input a set of projections shares (`sharedInput`).
    let statistics: [Projection: InputStatistics]
    let log: (String) -> Void

    func statistics(of projection: Projection) -> InputStatistics? { statistics[projection.sharedInput] }
}

/// A block's pruned layers, with what the method learned on the way (for the progress line).
struct BlockPruning {
    var layers: [TraceLayer]
    var loss: (start: Double, end: Double)?
    var learnedSparsity: Double?
    var clippingStrength: Double?
}

/// One pruning method as `BlockwisePruner`'s block loop runs it.
protocol BlockMethod {
    /// Whether the loop keeps the dense block's outputs for every window (BESA's targets).
    var needsDenseOutputs: Bool { get }
    /// Whether the method itself needs each input's XᵀX.
    var needsGramMatrices: Bool { get }
    /// Whether the masks allocate sparsity row by row (so `reprune` keeps each row's count) rather
    /// than over the whole layer (so `reprune` keeps the layer's sparsity).
    var allocatesPerRow: Bool { get }
    func prune(_ block: BlockContext) throws -> BlockPruning
}

/// A method that prunes each linear on its own, from its weight and its input's statistics.
protocol LayerMethod: BlockMethod {
    func prune(_ weight: Matrix, id: LayerID, statistics: InputStatistics?, log: (String) -> Void) throws -> TraceLayer
}

extension LayerMethod {
    var needsDenseOutputs: Bool { false }
    var needsGramMatrices: Bool { false }
    var allocatesPerRow: Bool { false }

    func prune(_ block: BlockContext) throws -> BlockPruning {
        let layers = try Projection.allCases.map { projection in
            try prune(block.dense[projection], id: LayerID(block: block.block, projection: projection),
                      statistics: block.statistics(of: projection), log: block.log)
        }
        return BlockPruning(layers: layers)
    }
}

struct MagnitudeMethod: LayerMethod {
    let sparsity: Double, pattern: SparsityPattern

    func prune(_ weight: Matrix, id: LayerID, statistics: InputStatistics?, log: (String) -> Void) -> TraceLayer {
        TraceLayer(id: id, mask: Magnitude.prune(weight, sparsity: sparsity, pattern: pattern))
    }
}

struct WandaMethod: LayerMethod {
    let sparsity: Double, pattern: SparsityPattern
    var allocatesPerRow: Bool { true }

    func prune(_ weight: Matrix, id: LayerID, statistics: InputStatistics?, log: (String) -> Void) -> TraceLayer {
        TraceLayer(id: id, mask: Wanda.prune(weight, inputNorms: statistics!.meanSquaredNorms, sparsity: sparsity, pattern: pattern))
    }
}

struct SparseGPTMethod: LayerMethod {
    let sparsity: Double, pattern: SparsityPattern
    var needsGramMatrices: Bool { true }

    func prune(_ weight: Matrix, id: LayerID, statistics: InputStatistics?, log: (String) -> Void) throws -> TraceLayer {
        let result = try SparseGPT.prune(weight, hessian: statistics!.hessian, sparsity: sparsity, pattern: pattern) { log("\(id): \($0)") }
        return TraceLayer(id: id, mask: result.mask, weight: result.weight.values)
    }
}

/// `rtn`: every weight kept (the run only quantizes).
struct KeepEverythingMethod: LayerMethod {
    func prune(_ weight: Matrix, id: LayerID, statistics: InputStatistics?, log: (String) -> Void) -> TraceLayer {
        TraceLayer(id: id, mask: KeepMask(rows: weight.rows, cols: weight.cols, values: [Bool](repeating: true, count: weight.values.count)))
    }
}

/// BESA learns the whole block's masks at once, from its reconstruction loss.
struct BESAMethod: BlockMethod {
    let sparsity: Double
    let options: BESA.Options
    let jointQuantization: BESA.JointQuantization?
    var needsDenseOutputs: Bool { true }
    var needsGramMatrices: Bool { options.importance.needsHessian }
    var allocatesPerRow: Bool { options.granularity == .row }

    func prune(_ block: BlockContext) throws -> BlockPruning {
        let scores = try Dictionary(uniqueKeysWithValues: Projection.allCases.map { projection in
            (projection, try options.importance.scores(block.dense[projection], statistics: block.statistics(of: projection)!))
        })
        let result = BESA.pruneBlock(block.model, block: block.block, dense: block.dense, inputs: block.inputs,
                                     references: block.denseOutputs, scores: scores, targetSparsity: sparsity,
                                     options: options, jointQuantization: jointQuantization)
        return BlockPruning(layers: result.layers, loss: (result.lossStart, result.lossEnd),
                            learnedSparsity: result.learnedBlockSparsity, clippingStrength: result.meanClippingStrength)
    }
}

extension PruneRecipe {
    /// The method as the block loop runs it, with this recipe's settings.
    var blockMethod: any BlockMethod {
        switch method {
        case .magnitude: MagnitudeMethod(sparsity: sparsity, pattern: pattern)
        case .wanda: WandaMethod(sparsity: sparsity, pattern: pattern)
        case .sparsegpt: SparseGPTMethod(sparsity: sparsity, pattern: pattern)
        case .rtn: KeepEverythingMethod()
        case .besa:
            BESAMethod(sparsity: sparsity, options: besa, jointQuantization: quantization.flatMap { quantization in
                quantization.mode == .joint
                    ? BESA.JointQuantization(quantizer: quantization.quantizer,
                                             clippingOptimizer: .adam(learningRate: quantization.clippingLearningRate))
                    : nil
            })
        }
    }

    /// Whether the run accumulates each input's XᵀX (SparseGPT, the weight updates, BESA's OBS ranking).
    public var collectsGramMatrices: Bool { blockMethod.needsGramMatrices || weightUpdate.needsHessian }

    /// Round-to-nearest after pruning (the quantization BESA does not learn).
    var roundToNearest: UniformQuantizer? {
        quantization.flatMap { $0.mode == .rtn ? $0.quantizer : nil }
    }
}

extension Projection {
    /// q/k/v share one input, gate/up another: their statistics are collected once, under q and gate.
    var sharedInput: Projection {
        switch self {
        case .k, .v: .q
        case .up: .gate
        default: self
        }
    }
}
