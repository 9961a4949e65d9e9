/// Perplexity computed one block at a time over all windows, alongside a pass that visits the
/// blocks in order (pruning): the model never has to be whole in memory, only the windows' hidden
/// states (windows × (seqlen − 1) × hidden floats). Each window goes through exactly the operations
/// `Perplexity.evaluate` runs on it, so the result is the same to the last bit.
public struct BlockMajorPerplexity {
    let windows: [[Int32]]
    let textTokens: Int
    let seqlen: Int
    /// Each window's hidden states after the blocks so far.
    var states: [Matrix]
    public private(set) var blocksDone = 0

    /// The windows of `tokens` as `Perplexity.evaluate` cuts them, embedded by `model`.
    public init(model: LlamaModel, tokens: [Int32], seqlen: Int, maxWindows: Int? = nil) {
        windows = Perplexity.windows(tokens, seqlen: seqlen, maxWindows: maxWindows).map(Array.init)
        textTokens = tokens.count
        self.seqlen = seqlen
        states = windows.map { model.embed(Array($0.dropLast())) }
    }

    public var windowCount: Int { windows.count }

    /// Runs every window through the next block.
    public mutating func advance(through block: BlockWeights, of model: LlamaModel) {
        model.advance(&states, through: block)
        blocksDone += 1
    }

    /// The perplexity, once every block has been passed.
    public func result(_ model: LlamaModel) -> PerplexityResult {
        precondition(blocksDone == model.config.layers, "\(blocksDone) of \(model.config.layers) blocks passed")
        let losses = zip(windows, states).map { model.meanNegativeLogLikelihood(lastHidden: $1, of: $0) }
        return PerplexityResult(seqlen: seqlen, textTokens: textTokens, windowLosses: losses)
    }
}
