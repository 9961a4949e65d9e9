import Foundation

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
            do {
                items.append(try format.item(object, line: index + 1))
            } catch {
                throw TaskFileError(path: path, message: "\(error) (format \(format.rawValue))")
            }
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

    /// Scores every item; `progress(done)` after each. Requests whose context encodes like the
    /// previous one's (an item's choices, mostly) reuse its keys and values instead of running it again.
    public static func evaluate(_ model: LlamaModel, tokenizer: any Tokenizer, items: [TaskItem], format: TaskFormat,
                                progress: (Int) -> Void = { _ in }) -> Summary {
        var results: [ItemResult] = []
        var prefix: LlamaModel.Prefix?
        for item in items {
            var lls: [Double] = [], greedy: [Bool] = [], lengths: [Int] = []
            for request in item.requests {
                let (context, continuation) = encode(request, tokenizer: tokenizer)
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
public struct TaskFileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}
