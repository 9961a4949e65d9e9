import Traces

/// The multiply-adds (×2, in FLOP) of one window of `tokens` through one decoder block, for each
/// pass the pruner and the evaluation make: what no implementation can do with less. At the
/// machine's sgemm peak they bound any fp32 engine's speed, and their ratios bound the ratios of
/// the methods' times (BESA's work over Wanda's).
public struct MultiplyAdds: Sendable {
    /// The seven linears, forward.
    public let linears: Double
    /// Causal attention's products, forward (the masked upper triangle skipped as the code skips it).
    public let attention: Double
    /// dW′ = dyᵀx of the seven linears (as many as the forward's).
    public let weightGradients: Double
    /// dx = dy W′ of the linears BESA back-propagates through (o, gate, up, down: q, k and v's
    /// input needs no gradient).
    public let inputGradients: Double
    /// Causal attention's backward products.
    public let attentionBackward: Double
    public let tokens: Int, hiddenSize: Int

    public init(_ config: LlamaConfig, tokens: Int) {
        let perToken = 2 * Double(tokens)
        func weights(_ projections: [Projection]) -> Double {
            Double(projections.reduce(0) { $0 + config.shape(of: $1).rows * config.shape(of: $1).cols })
        }
        linears = perToken * weights(Projection.allCases)
        attention = Attention.flops(tokens: tokens, heads: config.heads, headDim: config.headDim)
        weightGradients = linears
        inputGradients = perToken * weights([.o, .gate, .up, .down])
        attentionBackward = Attention.backwardFlops(tokens: tokens, heads: config.heads, headDim: config.headDim)
        self.tokens = tokens
        hiddenSize = config.hiddenSize
    }

    public var blockForward: Double { linears + attention }

    /// The head's logits for every token.
    public func head(vocabulary: Int) -> Double { 2 * Double(tokens * hiddenSize * vocabulary) }

    /// Wanda (and SparseGPT, besides its own solves): the dense block to collect statistics, the
    /// pruned block to feed the next one.
    public var wanda: Double { 2 * blockForward }

    /// BESA: those two passes, and per epoch a training step — the forward with the masked
    /// weights and the backward down to q, k and v's weight gradients.
    public func besa(epochs: Int = 1) -> Double {
        2 * blockForward + Double(epochs) * (blockForward + weightGradients + inputGradients + attentionBackward)
    }
}
