import Foundation
import SparsimSupport

/// Scores zero-shot tasks the way lm-evaluation-harness's Hugging Face backend does.
public enum ZeroShot {
    /// One item's scores.
    public struct ItemResult: Sendable {
        /// Per request: summed log-likelihood of the continuation and lm-eval's `is_greedy`.
        public var logLikelihoods: [Double]
        public var isGreedy: [Bool]
        public var continuationTokens: [Int]
        public var gold: Int
        /// argmax of the log-likelihoods, and of them divided by each choice's length in characters
        /// (first index on ties, as numpy.argmax).
        public var prediction: Int
        public var normalisedPrediction: Int
    }

    public struct Summary: Sendable {
        public var items: [ItemResult]
        /// Metric name → value, as lm-eval names them.
        public var metrics: [String: Double]
    }

    /// Reads a JSON-lines file (blank lines skipped) of `format`, or of the format its first item's
    /// fields point to.
    public static func read(_ path: String, format given: TaskFormat?) throws -> (items: [TaskItem], format: TaskFormat) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TaskFileError(path: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw TaskFileError(path: path, message: "not UTF-8 text") }
        var items: [TaskItem] = []
        var format = given
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw TaskFileError(path: path, message: "line \(index + 1): not a JSON object")
            }
            if format == nil { format = TaskFormat.detect(object) }
            guard let format else {
                throw TaskFileError(path: path, message: "line \(index + 1): no known schema in fields \(object.keys.sorted()); give --task-format")
            }
            var item: TaskItem
            do {
                item = try format.item(object, line: index + 1)
            } catch {
                throw TaskFileError(path: path, message: "\(error) (format \(format.rawValue))")
            }
            // lm-eval scores an empty context after its end-of-text token; sparsim has no such
            // token for every tokenizer, so it refuses the item instead of scoring it differently.
            guard item.requests.allSatisfy({ $0.context.contains { !$0.isWhitespace } }) else {
                throw TaskFileError(path: path, message: "line \(index + 1): a choice has an empty context (format \(format.rawValue))")
            }
            item.line = index + 1
            items.append(item)
        }
        guard let format, !items.isEmpty else { throw TaskFileError(path: path, message: "no items") }
        return (items, format)
    }

    /// lm-eval's `_encode_pair`: trailing whitespace of the context moves to the continuation, the
    /// two are encoded together, and the continuation is what follows the context's own encoding.
    public static func encode(_ request: TaskItem.Request, tokenizer: any Tokenizer) -> (context: [Int32], continuation: [Int32]) {
        var (context, continuation) = (request.context, request.continuation)
        let trimmed = context.reversed().drop(while: \.isWhitespace)
        let spaces = context.count - trimmed.count
        if spaces > 0 {
            continuation = String(context.suffix(spaces)) + continuation
            context = String(context.dropLast(spaces))
        }
        let whole = tokenizer.encode(context + continuation)
        let contextTokens = tokenizer.encode(context)
        return (contextTokens, Array(whole.dropFirst(contextTokens.count)))
    }

    /// One request as token ids.
    public typealias EncodedRequest = (context: [Int32], continuation: [Int32])

    /// Every request of every item encoded (`encode(_:tokenizer:)`), checked before any is scored:
    /// a continuation that encodes to no token of its own (it merges into the context) cannot be
    /// scored, and lm-eval asserts the same; one longer than the model's context (`contextLength`
    /// tokens) leaves no position to condition it on (lm-eval keeps only the last tokens of the
    /// pair, so the context is cut from the left, never the continuation).
    public static func encode(_ items: [TaskItem], tokenizer: any Tokenizer, contextLength: Int) throws(TaskError) -> [[EncodedRequest]] {
        try items.map { item throws(TaskError) in
            try item.requests.enumerated().map { choice, request throws(TaskError) in
                let encoded = encode(request, tokenizer: tokenizer)
                func fail(_ problem: String) -> TaskError { TaskError(line: item.line, message: "choice \(choice + 1) \(problem)") }
                if encoded.context.isEmpty { throw fail("encodes to an empty context") }
                if encoded.continuation.isEmpty { throw fail("encodes to no continuation token of its own") }
                guard encoded.continuation.count <= contextLength else {
                    throw fail("has a continuation of \(encoded.continuation.count) tokens, longer than the model's context of \(contextLength)")
                }
                return encoded
            }
        }
    }

    /// Scores every item (`encoded` from `encode(_:tokenizer:)`); `progress(done)` after each.
    /// Requests whose context encodes like the previous one's (an item's choices, mostly) reuse its
    /// keys and values instead of running it again.
    public static func evaluate(_ model: LlamaModel, encoded: [[EncodedRequest]], items: [TaskItem], format: TaskFormat,
                                progress: (Int) -> Void = { _ in }) -> Summary {
        var results: [ItemResult] = []
        var prefix: LlamaModel.Prefix?
        for (item, requests) in zip(items, encoded) {
            var lls: [Double] = [], greedy: [Bool] = [], lengths: [Int] = []
            for (context, continuation) in requests {
                if prefix?.tokens != context { prefix = model.prefix(context) }
                let scored = model.continuationLogLikelihood(after: prefix!, continuation: continuation)
                lls.append(scored.logLikelihood)
                greedy.append(scored.isGreedy)
                lengths.append(continuation.count)
            }
            let normalized = zip(lls, item.choiceLengths).map { $0 / Double($1) }
            results.append(ItemResult(logLikelihoods: lls, isGreedy: greedy, continuationTokens: lengths, gold: item.gold,
                                      prediction: firstArgmax(lls), normalisedPrediction: firstArgmax(normalized)))
            progress(results.count)
        }
        return Summary(items: results, metrics: metrics(results, format: format))
    }

    static func metrics(_ results: [ItemResult], format: TaskFormat) -> [String: Double] {
        let count = Double(results.count)
        var metrics: [String: Double] = [:]
        if format.isCloze {
            // lm-eval's loglikelihood task: acc = greedy match, perplexity = exp(−mean log-likelihood).
            metrics["acc"] = Double(results.filter { $0.isGreedy[0] }.count) / count
            metrics["perplexity"] = exp(-results.reduce(0) { $0 + $1.logLikelihoods[0] } / count)
        } else {
            metrics["acc"] = Double(results.filter { $0.prediction == $0.gold }.count) / count
            if format.metrics.contains("acc_norm") {
                metrics["acc_norm"] = Double(results.filter { $0.normalisedPrediction == $0.gold }.count) / count
            }
        }
        return metrics
    }

    static func firstArgmax(_ values: [Double]) -> Int {
        values.indices.reduce(0) { values[$1] > values[$0] ? $1 : $0 }
    }
}

/// A task file that cannot be read as its format.
public typealias TaskFileError = FileError
