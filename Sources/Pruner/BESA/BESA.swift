import Foundation
import SparsimSupport
import Traces

/// BESA (Xu et al. 2024, arXiv 2402.16880): for each decoder block, learn how sparse each of its
/// seven linears — and, row-wise, each output row — should be, by minimizing the block's
/// reconstruction error with a sparsity penalty, the weights frozen and ranked by Wanda's score.
public enum BESA {
    public enum Granularity: String, Codable, CaseIterable, Sendable {
        /// One learned sparsity per output row (the paper's headline).
        case row
        /// One learned sparsity per layer (G = 1).
        case layer
    }

    public struct Options: Codable, Equatable, Sendable {
        public var granularity: Granularity = .row
        /// λ of the penalty λ((ŝ_block − s*)/s*)².
        public var lambda = 5.0
        /// The reference's Prodigy with d_coef 5 (its setting for LLaMA-7B).
        public var optimizer = OptimizerChoice.prodigy(dCoef: 5)
        public var epochs = 1
        /// Candidate sparsities per group (the reference's 101: steps of 1%).
        public var candidates = SparsityLogits.referenceCandidateCount
        public var parameterization = SparsityLogits.Parameterization.sigmoidSoftmax
        /// How each row's weights are ranked.
        public var importance = Importance.wanda
        public init() {}

        /// The settings an ablation changes, as they appear in the trace's method name.
        var departuresFromDefaults: [String] {
            let defaults = Options()
            var departures: [String] = []
            if importance != defaults.importance { departures.append(importance.rawValue) }
            if candidates != defaults.candidates { departures.append("\(candidates)cand") }
            if parameterization != defaults.parameterization { departures.append(parameterization.rawValue) }
            if epochs != defaults.epochs { departures.append("\(epochs)ep") }
            return departures
        }

        func validate() throws(RecipeError) {
            guard candidates >= 2 else { throw RecipeError("--candidates must be at least 2") }
            guard epochs >= 0 else { throw RecipeError("--epochs must not be negative") }
            guard lambda >= 0, lambda.isFinite else { throw RecipeError("--lambda \(lambda) is not a finite number ≥ 0") }
            switch optimizer {
            case .prodigy(let dCoef): guard dCoef > 0, dCoef.isFinite else { throw RecipeError("--d-coef must be positive and finite") }
            case .adam(let learningRate): guard learningRate > 0, learningRate.isFinite else { throw RecipeError("--besa-lr must be positive and finite") }
            }
        }
    }

    /// Weight-only quantization learned with the masks (paper §3.3): each linear's clipping
    /// strengths train on the same loss as α; the final weights are quantized.
    public struct JointQuantization: Sendable {
        public var quantizer: UniformQuantizer
        /// The clipping logits' own optimizer: OmniQuant trains them with Adam(W) at 1e-2. Sharing
        /// BESA's Prodigy made the loss diverge (its step size, estimated mostly from α, is far too
        /// large for the clipping).
        public var clippingOptimizer: OptimizerChoice

        public init(quantizer: UniformQuantizer, clippingOptimizer: OptimizerChoice = .adam(learningRate: 1e-2)) {
            self.quantizer = quantizer
            self.clippingOptimizer = clippingOptimizer
        }
    }

    public struct BlockResult: Sendable {
        /// Final masks, with each layer's learned sparsities.
        public var layers: [TraceLayer]
        /// Reconstruction loss per window, in training order.
        public var losses: [Double]
        /// Mean reconstruction loss over the first and the last quarter of the windows.
        public var lossStart: Double { quarterMean(losses.prefix(quarter)) }
        public var lossEnd: Double { quarterMean(losses.suffix(quarter)) }
        /// The learned block sparsity ŝ_block before the masks were rounded to whole weights.
        public var learnedBlockSparsity: Double
        /// Joint quantization: the mean learned clipping strength σ(θ) over all groups and both ends.
        public var meanClippingStrength: Double?

        private var quarter: Int { max(1, losses.count / 4) }
        private func quarterMean(_ part: ArraySlice<Double>) -> Double { part.reduce(0, +) / Double(max(1, part.count)) }
    }

    /// Learns the masks of block number `block`, whose dense weights are `dense`, from `inputs` (the
    /// block's inputs for each calibration window, already propagated through the pruned blocks
    /// before it) and `references` (the dense block's outputs on them). `scores` rank each linear's
    /// weights (`Importance`), the least important pruned first.
    static func pruneBlock(_ model: LlamaModel, block: Int, dense: BlockWeights, inputs: [Matrix], references: [Matrix],
                           scores: [Projection: [Float]], targetSparsity: Double, options: Options,
                           jointQuantization: JointQuantization? = nil) -> BlockResult {
        precondition(references.count == inputs.count, "one dense output per input window")
        let weights = dense.linears
        var layers = Projection.allCases.map { projection in
            RankedLayer(projection: projection, weight: weights[projection]!, scores: scores[projection]!,
                        logits: SparsityLogits(groups: options.granularity == .row ? weights[projection]!.rows : 1,
                                               inputs: weights[projection]!.cols, candidates: options.candidates,
                                               parameterization: options.parameterization))
        }
        let parameterCounts = layers.map { Double($0.weight.values.count) }
        let totalParameters = parameterCounts.reduce(0, +)
        let gradient = BlockGradient(model: model, block: dense)
        var clippings = jointQuantization.map { joint in
            layers.map { LearnableClipping(quantizer: joint.quantizer, rows: $0.weight.rows, cols: $0.weight.cols) }
        }
        // One optimizer over the seven layers' logits, as the reference's single Prodigy per block;
        // another over the clipping logits.
        var parameters = layers.flatMap(\.logits.alpha)
        var optimizer = options.optimizer.make(parameterCount: parameters.count)
        var clippingParameters = clippings?.flatMap(\.logits) ?? []
        var clippingOptimizer = jointQuantization?.clippingOptimizer.make(parameterCount: clippingParameters.count)
        var losses: [Double] = []
        // W ⊙ M of each layer, kept from step to step: a step re-masks only the ranks whose hard
        // mask changed (few: the sparsities move by small steps) instead of copying every weight.
        var maskedWeights = layers.map(\.weight)
        var appliedCounts = layers.map { [Int](repeating: 0, count: $0.logits.groups) }
        for _ in 0..<options.epochs {
            for (x, reference) in zip(inputs, references) {
                let snapshots = layers.map { $0.logits.snapshot() }
                let counts = layers.indices.map { snapshots[$0].sparsities.map(layers[$0].logits.hardPruneCount(sparsity:)) }
                maskedWeights.withUnsafeMutableBufferPointer { weights in
                    nonisolated(unsafe) let weights = weights
                    Parallel.forEach(layers.count) { index in
                        layers[index].remask(&weights[index], from: appliedCounts[index], to: counts[index])
                    }
                }
                appliedCounts = counts
                let masked = Dictionary(uniqueKeysWithValues: zip(layers.map(\.projection), maskedWeights))
                let quantized = clippings.map { clippings in
                    Dictionary(uniqueKeysWithValues: zip(layers, clippings).map { ($0.projection, $1.quantize(masked[$0.projection]!)) })
                }
                var loss = 0.0
                let (_, result) = gradient.forwardAndBackward(x: x, effective: quantized ?? masked) { y in
                    reconstructionGradient(output: y, reference: reference, loss: &loss)
                }
                losses.append(loss)
                // Penalty on the parameter-weighted block sparsity; dŝ_block/dŝ_g = (layer share) / G.
                let layerSparsities = snapshots.map { $0.sparsities.reduce(0, +) / Double($0.sparsities.count) }
                let blockSparsity = zip(layerSparsities, parameterCounts).reduce(0) { $0 + $1.0 * $1.1 } / totalParameters
                let penaltyGradient = 2 * options.lambda * (blockSparsity - targetSparsity) / (targetSparsity * targetSparsity)
                let parameterGradient = layers.indices.flatMap { index in
                    layers[index].logitGradient(weightGradient: result.weightGradients[layers[index].projection]!, snapshot: snapshots[index],
                                                sparsityGradient: penaltyGradient * parameterCounts[index] / totalParameters
                                                    / Double(layers[index].logits.groups))
                }
                optimizer.step(&parameters, gradient: parameterGradient)
                var offset = 0
                for index in layers.indices {
                    let count = layers[index].logits.alpha.count
                    layers[index].logits.alpha = Array(parameters[offset..<offset + count])
                    offset += count
                }
                if let current = clippings {
                    let clippingGradient = zip(layers, current).flatMap { layer, clipping in
                        clipping.gradient(masked: masked[layer.projection]!, weightGradient: result.weightGradients[layer.projection]!)
                    }
                    clippingOptimizer!.step(&clippingParameters, gradient: clippingGradient)
                    offset = 0
                    for index in current.indices {
                        let count = current[index].logits.count
                        clippings![index].logits = Array(clippingParameters[offset..<offset + count])
                        offset += count
                    }
                }
            }
        }
        let learned = layers.map { layer in (0..<layer.logits.groups).map { layer.logits.sparsity(group: $0) } }
        let counts = PruneCounts.matching(target: targetSparsity, sparsities: learned, inputs: layers.map(\.weight.cols),
                                          rowsPerGroup: layers.map { $0.weight.rows / $0.logits.groups })
        let finalLayers = layers.indices.map { index in
            let layer = layers[index]
            let mask = layer.hardMask(pruneCounts: counts[index])
            let quantized = clippings.map { $0[index].quantize(BlockGradient.masked(layer.weight, mask)) }
            return TraceLayer(id: LayerID(block: block, projection: layer.projection),
                              mask: KeepMask(rows: mask.rows, cols: mask.cols, values: mask.values.map { $0 != 0 }),
                              weight: quantized?.values, learnedSparsity: learned[index].map(Float.init),
                              quantization: jointQuantization.map { WeightQuantization(bits: $0.quantizer.bits, groupSize: $0.quantizer.groupSize) })
        }
        let learnedBlock = zip(learned, parameterCounts).reduce(0) { $0 + $1.0.reduce(0, +) / Double($1.0.count) * $1.1 } / totalParameters
        let strengths = clippings?.flatMap { $0.strengths.flatMap { [Double($0.upper), Double($0.lower)] } }
        return BlockResult(layers: finalLayers, losses: losses, learnedBlockSparsity: learnedBlock,
                           meanClippingStrength: strengths.map { $0.reduce(0, +) / Double($0.count) })
    }

    /// BESA's normalized reconstruction loss Σ_t,c ((Y_ref − Y)_tc / ‖Y_ref[:, c]‖)² / C (‖·‖ over
    /// the window's tokens), added to `loss`; returns dL/dY.
    static func reconstructionGradient(output y: Matrix, reference: Matrix, loss: inout Double) -> Matrix {
        var channelNorms = [Float](repeating: 0, count: reference.cols)
        for t in 0..<reference.rows { for c in 0..<reference.cols { channelNorms[c] += reference[t, c] * reference[t, c] } }
        var dy = y
        let channels = Float(y.cols)
        for t in 0..<y.rows {
            for c in 0..<y.cols {
                let difference = reference[t, c] - y[t, c]
                let norm = max(channelNorms[c], 1e-12)
                loss += Double(difference * difference / norm / channels)
                dy[t, c] = -2 * difference / (norm * channels)
            }
        }
        return dy
    }
}

/// One linear's weights ranked per row by importance, and its sparsity logits.
struct RankedLayer {
    let projection: Projection
    let weight: Matrix
    /// Per row, column indices in ascending order of score (ties: lower index first).
    let order: [[Int32]]
    var logits: SparsityLogits

    init(projection: Projection, weight: Matrix, scores: [Float], logits: SparsityLogits) {
        precondition(scores.count == weight.values.count && logits.inputs == weight.cols)
        self.projection = projection
        self.weight = weight
        let cols = weight.cols
        order = scores.withUnsafeBufferPointer { all in
            Parallel.map(weight.rows) { row in  // rows rank independently
                Ranking.ascending(UnsafeBufferPointer(rebasing: all[row * cols..<(row + 1) * cols]))
            }
        }
        self.logits = logits
    }

    func group(ofRow row: Int) -> Int { logits.groups == 1 ? 0 : row }

    /// The hard mask as 0/1 floats: row r prunes the `pruneCounts[group]` lowest-ranked weights of its group.
    func hardMask(pruneCounts counts: [Int]) -> Matrix {
        zeroingLowestRanked(of: Matrix(rows: weight.rows, cols: weight.cols, repeating: 1), pruneCounts: counts)
    }

    /// Turns `masked`, W with the `current[group]` lowest-ranked entries of each row zeroed, into W ⊙
    /// `hardMask(pruneCounts: counts)`: only the ranks between the two counts change (zeroed, or
    /// the weight put back).
    func remask(_ masked: inout Matrix, from current: [Int], to counts: [Int]) {
        let cols = weight.cols
        weight.values.withUnsafeBufferPointer { weight in
        masked.values.withUnsafeMutableBufferPointer { values in
            for row in 0..<self.weight.rows {
                let (before, after) = (current[group(ofRow: row)], counts[group(ofRow: row)])
                let ranked = order[row], offset = row * cols
                for rank in min(before, after)..<max(before, after) {
                    let index = offset + Int(ranked[rank])
                    values[index] = after > before ? 0 : weight[index]
                }
            }
        }}
    }

    /// `matrix` (shaped like the weight) with the `pruneCounts[group]` lowest-ranked entries of each row set to 0.
    private func zeroingLowestRanked(of matrix: Matrix, pruneCounts counts: [Int]) -> Matrix {
        var result = matrix
        let cols = weight.cols
        result.values.withUnsafeMutableBufferPointer { values in
            for row in 0..<weight.rows {
                let ranked = order[row], base = values.baseAddress! + row * cols
                for rank in 0..<counts[group(ofRow: row)] { base[Int(ranked[rank])] = 0 }
            }
        }
        return result
    }

    /// dL/dα (groups × K, flat) from dL/dW' (C_out × C_in; dL/dM = dL/dW' ⊙ W is read entry by
    /// entry, never stored), the step's snapshot of the logits and dL/dŝ_g (the same for every group).
    func logitGradient(weightGradient: Matrix, snapshot: SparsityLogits.Snapshot, sparsityGradient: Double) -> [Double] {
        let (candidates, cols) = (logits.candidateCount, weight.cols)
        var result = [Double](repeating: 0, count: logits.groups * candidates)
        snapshot.exponents.withUnsafeBufferPointer { z in
        snapshot.probabilities.withUnsafeBufferPointer { p in
        result.withUnsafeMutableBufferPointer { result in
            guard logits.groups > 1 else {
                let byRank = byRank(weightGradient, rows: 0..<weight.rows)
                logits.gradient(maskGradientByRank: { byRank[$0] }, exponents: z.baseAddress!, probabilities: p.baseAddress!,
                                sparsityGradient: sparsityGradient, into: result.baseAddress!)
                return
            }
            // Row-wise: every row is its own group, and the rows run on all cores.
            weightGradient.values.withUnsafeBufferPointer { dWeight in
            weight.values.withUnsafeBufferPointer { weight in
                nonisolated(unsafe) let (z, p, result) = (z.baseAddress!, p.baseAddress!, result.baseAddress!)
                nonisolated(unsafe) let (dWeight, weight) = (dWeight.baseAddress!, weight.baseAddress!)
                Parallel.forEach(self.weight.rows) { row in
                    let (gradients, values) = (dWeight + row * cols, weight + row * cols)
                    order[row].withUnsafeBufferPointer { ranked in
                        logits.gradient(maskGradientByRank: { Double(gradients[Int(ranked[$0])] * values[Int(ranked[$0])]) },
                                        exponents: z + row * candidates, probabilities: p + row * candidates,
                                        sparsityGradient: sparsityGradient, into: result + row * candidates)
                    }
                }
            }}
        }}}
        return result
    }

    /// Σ over `rows` of the mask gradient dW' ⊙ W, by rank within each row.
    private func byRank(_ weightGradient: Matrix, rows: Range<Int>) -> [Double] {
        let cols = weight.cols
        var sums = [Double](repeating: 0, count: cols)
        weightGradient.values.withUnsafeBufferPointer { dWeight in
        weight.values.withUnsafeBufferPointer { weight in
            for row in rows {
                let (gradients, values, ranked) = (dWeight.baseAddress! + row * cols, weight.baseAddress! + row * cols, order[row])
                for rank in 0..<cols {
                    let column = Int(ranked[rank])
                    sums[rank] += Double(gradients[column] * values[column])
                }
            }
        }}
        return sums
    }
}
