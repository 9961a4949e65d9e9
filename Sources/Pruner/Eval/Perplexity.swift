import Foundation

/// Perplexity as the references compute it: the text is tokenized once, cut into floor(n / L)
/// non-overlapping windows of L tokens (the tail is dropped), each window evaluated on its own, and
/// ppl = exp(mean over windows of the window's mean next-token negative log-likelihood).
public struct PerplexityResult: Sendable, Equatable {
    public var seqlen: Int
    /// Tokens in the whole text.
    public var textTokens: Int
    /// Mean NLL of each window evaluated.
    public var windowLosses: [Double]

    public var windows: Int { windowLosses.count }
    public var meanLoss: Double { windowLosses.reduce(0, +) / Double(windowLosses.count) }
    public var perplexity: Double { exp(meanLoss) }
}

public enum Perplexity {
    /// The windows of `tokens` at `seqlen`, at most `maxWindows` of them.
    public static func windows(_ tokens: [Int32], seqlen: Int, maxWindows: Int? = nil) -> [ArraySlice<Int32>] {
        let count = min(tokens.count / seqlen, maxWindows ?? .max)
        return (0..<count).map { tokens[$0 * seqlen..<($0 + 1) * seqlen] }
    }

    /// Evaluates every window; `progress(done, total, loss)` after each.
    public static func evaluate(_ model: LlamaModel, tokens: [Int32], seqlen: Int, maxWindows: Int? = nil,
                                progress: (Int, Int, Double) -> Void = { _, _, _ in }) -> PerplexityResult {
        let windows = windows(tokens, seqlen: seqlen, maxWindows: maxWindows)
        var losses: [Double] = []
        for (index, window) in windows.enumerated() {
            losses.append(model.meanNegativeLogLikelihood(Array(window)))
            progress(index + 1, windows.count, losses.last!)
        }
        return PerplexityResult(seqlen: seqlen, textTokens: tokens.count, windowLosses: losses)
    }
}
