import Foundation
import Testing
@testable import Pruner

/// Scoring a continuation after a cached prefix (its keys and values kept from one run) gives what
/// a full run of context + continuation gives, on the shipped model.
@Suite(.enabled(if: SharedModel.available, "the shipped model is not available"))
struct PrefixCacheTests {
    static let tokens: [Int32] = {
        let text = try! String(contentsOfFile: SharedModel.evaluationText, encoding: .utf8)
        return Array(SharedModel.loaded.tokenizer.encode(String(text.prefix(4000))).prefix(400))
    }()

    /// Context lengths on both sides of the attention's 128-row blocks; continuations of one token
    /// (scored from the prefix's last state alone), a few, and more than one row block's worth.
    @Test(arguments: [(3, 1), (3, 7), (300, 1), (300, 5), (40, 290)])
    func continuationAfterAPrefixScoresLikeAFullRun(contextLength: Int, continuationLength: Int) throws {
        let model = SharedModel.loaded.model
        let context = Array(Self.tokens.prefix(contextLength))
        let continuation = Array(Self.tokens[contextLength..<(contextLength + continuationLength)])
        let full = model.continuationLogLikelihood(context: context, continuation: continuation)
        let cached = model.continuationLogLikelihood(after: model.prefix(context), continuation: continuation)
        #expect(abs(cached.logLikelihood - full.logLikelihood) <= 1e-5 * max(1, abs(full.logLikelihood)),
                "\(cached.logLikelihood) after the prefix vs \(full.logLikelihood) in one run")
        #expect(cached.isGreedy == full.isGreedy)
    }

    @Test func onePrefixServesSeveralContinuations() throws {
        let model = SharedModel.loaded.model
        let context = Array(Self.tokens.prefix(50))
        let prefix = model.prefix(context)
        for continuation in [Array(Self.tokens[50..<54]), Array(Self.tokens[60..<63]), [Self.tokens[50]]] {
            let full = model.continuationLogLikelihood(context: context, continuation: continuation)
            let cached = model.continuationLogLikelihood(after: prefix, continuation: continuation)
            #expect(abs(cached.logLikelihood - full.logLikelihood) <= 1e-5 * max(1, abs(full.logLikelihood)))
        }
        // The different continuations really are scored differently (the cache was not overwritten by one of them).
        let a = model.continuationLogLikelihood(after: prefix, continuation: Array(Self.tokens[50..<54]))
        let b = model.continuationLogLikelihood(after: prefix, continuation: Array(Self.tokens[60..<64]))
        #expect(a.logLikelihood != b.logLikelihood)
    }
}
