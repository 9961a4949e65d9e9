import Foundation
import Traces

/// BESA (Xu et al. 2024, arXiv 2402.16880): for each decoder block, learn how sparse each of its
/// seven linears — and, row-wise, each output row — should be, by minimising the block's
/// reconstruction error with a sparsity penalty, the weights frozen and ranked by Wanda's score.
public enum BESA {
    public enum Granularity: String, CaseIterable, Sendable {
        /// One learned sparsity per output row (the paper's headline).
        case row
        /// One learned sparsity per layer (G = 1).
        case layer
    }

    public struct Options: Sendable {
        public var granularity: Granularity = .row
        /// λ of the penalty λ((ŝ_block − s*)/s*)².
        public var lambda = 5.0
        /// Adam in place of the paper's Prodigy (documented substitute): step size on the logits.
        public var learningRate = 0.1
        public var epochs = 1
        public init() {}
    }

    public struct BlockResult: Sendable {
        public var layers: [TraceLayer]
        /// Mean reconstruction loss over the first and the last quarter of the epoch's windows.
        public var lossStart: Double
        public var lossEnd: Double
        /// Learned sparsity per projection (fraction of pruned weights).
        public var sparsity: [Projection: Double]
    }

    /// Learns the masks of block `block` from `inputs` (the block's inputs for each calibration
    /// window, already propagated through the pruned blocks before it) and `references` (the dense
    /// block's outputs on them). The model must still hold the block's dense weights; `inputNorms`
    /// are Wanda's per-channel norms of each linear's input.
    static func pruneBlock(_ model: LlamaModel, block: Int, inputs: [Matrix], references: [Matrix], inputNorms: [Projection: [Float]],
                           targetSparsity: Double, options: Options) -> BlockResult {
        let weights = model.weights.blocks[block].linears
        var layers = Projection.allCases.map { projection in
            RankedLayer(projection: projection, weight: weights[projection]!, inputNorms: inputNorms[projection]!,
                        groups: options.granularity == .row ? weights[projection]!.rows : 1)
        }
        let parameterCounts = layers.map { Double($0.weight.values.count) }
        let totalParameters = parameterCounts.reduce(0, +)
        precondition(references.count == inputs.count, "one dense output per input window")
        let gradient = BlockGradient(model: model, block: block)
        var losses: [Double] = []
        for _ in 0..<options.epochs {
            for (x, reference) in zip(inputs, references) {
                let masks = Dictionary(uniqueKeysWithValues: layers.map { ($0.projection, $0.hardMask()) })
                // ‖Y_ref[:, c]‖² over the window's tokens, per output channel.
                var channelNorms = [Float](repeating: 0, count: reference.cols)
                for t in 0..<reference.rows { for c in 0..<reference.cols { channelNorms[c] += reference[t, c] * reference[t, c] } }
                var loss = 0.0
                let (_, result) = gradient.forwardAndBackward(x: x, weights: weights, masks: masks) { y in
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
                losses.append(loss)
                // Penalty on the parameter-weighted block sparsity.
                var blockSparsity = 0.0
                for (layer, count) in zip(layers, parameterCounts) { blockSparsity += layer.meanSparsity() * count }
                blockSparsity /= totalParameters
                let penaltyGradient = 2 * options.lambda * (blockSparsity - targetSparsity) / (targetSparsity * targetSparsity)
                for index in layers.indices {
                    let share = penaltyGradient * parameterCounts[index] / totalParameters / Double(layers[index].logits.groups)
                    layers[index].step(maskGradient: result.maskGradients[layers[index].projection]!, sparsityGradient: share,
                                       learningRate: options.learningRate)
                }
            }
        }
        let quarter = max(1, losses.count / 4)
        let finalLayers = layers.map { TraceLayer(id: LayerID(block: block, projection: $0.projection), mask: $0.keepMask()) }
        return BlockResult(
            layers: finalLayers,
            lossStart: losses.prefix(quarter).reduce(0, +) / Double(quarter),
            lossEnd: losses.suffix(quarter).reduce(0, +) / Double(quarter),
            sparsity: Dictionary(uniqueKeysWithValues: finalLayers.map { ($0.id.projection, $0.mask.sparsity) }))
    }
}

/// One linear's weights ranked per row by Wanda's score, its sparsity logits and their Adam state.
struct RankedLayer {
    let projection: Projection
    let weight: Matrix
    /// Per row, column indices in ascending order of score (ties: lower index first).
    let order: [[Int32]]
    var logits: SparsityLogits
    private var adamFirst: [Double]
    private var adamSecond: [Double]
    private var steps = 0

    init(projection: Projection, weight: Matrix, inputNorms: [Float], groups: Int) {
        self.projection = projection
        self.weight = weight
        let scores = Wanda.scores(weight, inputNorms: inputNorms)
        order = scores.withUnsafeBufferPointer { all in
            (0..<weight.rows).map { row in
                Ranking.ascending(UnsafeBufferPointer(rebasing: all[row * weight.cols..<(row + 1) * weight.cols])).map(Int32.init)
            }
        }
        logits = SparsityLogits(groups: groups, inputs: weight.cols)
        adamFirst = [Double](repeating: 0, count: logits.alpha.count)
        adamSecond = adamFirst
    }

    func group(ofRow row: Int) -> Int { logits.groups == 1 ? 0 : row }

    /// The hard mask as 0/1 floats: row r prunes its floor(C_in · ŝ_g) lowest-ranked weights.
    func hardMask() -> Matrix {
        var mask = Matrix(rows: weight.rows, cols: weight.cols, repeating: 1)
        let counts = (0..<logits.groups).map { logits.hardPruneCount(group: $0) }
        for row in 0..<weight.rows {
            for rank in 0..<counts[group(ofRow: row)] { mask[row, Int(order[row][rank])] = 0 }
        }
        return mask
    }

    func keepMask() -> KeepMask {
        let mask = hardMask()
        return KeepMask(rows: weight.rows, cols: weight.cols, values: mask.values.map { $0 != 0 })
    }

    /// ŝ of the layer: the mean of its groups' ŝ.
    func meanSparsity() -> Double {
        (0..<logits.groups).reduce(0) { $0 + logits.sparsity(group: $1) } / Double(logits.groups)
    }

    /// One Adam step on the logits from dL/dM (C_out × C_in) and dL/dŝ_g (the same for every group).
    mutating func step(maskGradient: Matrix, sparsityGradient: Double, learningRate: Double) {
        var byRank = [[Double]](repeating: [Double](repeating: 0, count: weight.cols), count: logits.groups)
        for row in 0..<weight.rows {
            let g = group(ofRow: row)
            for rank in 0..<weight.cols { byRank[g][rank] += Double(maskGradient[row, Int(order[row][rank])]) }
        }
        steps += 1
        let (beta1, beta2, epsilon) = (0.9, 0.999, 1e-8)
        let correction1 = 1 - pow(beta1, Double(steps)), correction2 = 1 - pow(beta2, Double(steps))
        for g in 0..<logits.groups {
            let gradient = logits.gradient(group: g, maskGradientByRank: byRank[g], sparsityGradient: sparsityGradient)
            for k in 0..<SparsityLogits.candidateCount {
                let index = g * SparsityLogits.candidateCount + k
                adamFirst[index] = beta1 * adamFirst[index] + (1 - beta1) * gradient[k]
                adamSecond[index] = beta2 * adamSecond[index] + (1 - beta2) * gradient[k] * gradient[k]
                logits.alpha[index] -= learningRate * (adamFirst[index] / correction1) / ((adamSecond[index] / correction2).squareRoot() + epsilon)
            }
        }
    }
}
