import ArgumentParser
import Foundation
import Pruner
import SparsimSupport
import Traces

/// `sparsim eval`: perplexity of a model, optionally with a trace's masks applied.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity of a model on a text file, or its zero-shot accuracy on a task, with a trace's masks applied if given.",
        discussion: """
            Perplexity (--data, --seqlen): the text is tokenized once and cut into floor(n / seqlen) \
            non-overlapping windows (the tail is dropped); ppl = exp(mean over windows of each window's \
            mean next-token NLL). Always report seqlen with a perplexity: the same model scores \
            differently at 512 and 2048.

            Zero-shot (--task FILE.jsonl): every choice scored by the log-likelihood of its continuation \
            given the context, with lm-evaluation-harness's prompts, target delimiter, preprocessing \
            and tokenization of the pair: acc and acc_norm (log-likelihood per character of the \
            choice) for multiple choice, greedy-match acc and perplexity for a LAMBADA-style cloze.
            """
    )

    @Option(help: "A .gguf file or a Hugging Face model directory.")
    var model: String

    @Option(help: "A trace whose masks (and stored weights) are applied before evaluating.")
    var trace: String?

    @Option(help: "Text file to evaluate perplexity on (the held-out split: austen_persuasion.txt).")
    var data: String?

    @Option(help: "Window length in tokens (perplexity).")
    var seqlen: Int?

    @Option(help: "A zero-shot task as JSON lines (e.g. PIQA's, BoolQ's, ... from Hugging Face, or `sparsim task make`'s).")
    var task: String?

    @Option(name: .customLong("task-format"),
            help: "The task file's schema: piqa, boolq, hellaswag, winogrande, arc, lambada or choices (default: from the first item's fields).")
    var taskFormat: TaskFormat?

    @Option(help: "Score only the first N items of the task.")
    var limit: Int?

    @Option(help: "Zero-shot: also write the metrics and every item's log-likelihoods as JSON here.")
    var out: String?

    @Option(name: .customLong("max-windows"), help: "Evaluate only the first N windows.")
    var maxWindows: Int?

    func validate() throws {
        if task == nil {
            guard data != nil, let seqlen else { throw ValidationError("give --data and --seqlen (perplexity) or --task (zero-shot)") }
            guard seqlen >= 2 else { throw ValidationError("--seqlen must be at least 2") }
        } else if data != nil || seqlen != nil {
            throw ValidationError("--task scores a zero-shot task; run perplexity (--data, --seqlen) separately")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let maxWindows, maxWindows < 1 { throw ValidationError("--max-windows must be at least 1") }
    }

    func run() throws {
        lineBufferStandardOutput()
        let taskRun = try task.map { try TaskRun(path: $0, format: taskFormat, limit: limit) }  // bad task files fail before the model loads
        var loaded = try ModelLoader.load(model)
        if let trace {
            let masks = try Trace.read(from: trace)
            var weights = loaded.model.weights
            try weights.applyMasks(masks.layers, path: trace)
            loaded.model = LlamaModel(weights: weights)
        }
        if let taskRun { return try evaluate(taskRun, loaded) }
        let (data, seqlen) = (data!, seqlen!)
        guard seqlen <= loaded.model.config.maxPositions else {
            throw CLIError("--seqlen \(seqlen) exceeds the model's context of \(loaded.model.config.maxPositions)")
        }
        let text = try TextFile.read(data)
        let tokens = loaded.tokenizer.encode(text)
        guard tokens.count >= seqlen else {
            throw CLIError("\(data): \(tokens.count) tokens, fewer than one window of \(seqlen)")
        }
        let progress = Progress(total: min(tokens.count / seqlen, maxWindows ?? .max), label: "evaluating window")
        let start = Date()
        let result = Perplexity.evaluate(loaded.model, tokens: tokens, seqlen: seqlen, maxWindows: maxWindows) { done, _, loss in
            progress.update(done, String(format: "loss %.4f", loss))
        }
        progress.finish()
        print("model       \(loaded.name)\(trace.map { " with masks from \($0)" } ?? "")")
        print("data        \(data): \(result.textTokens) tokens")
        print("windows     \(result.windows) × \(seqlen) tokens\(maxWindows.map { " (first \($0))" } ?? "")")
        print(String(format: "seconds     %.1f", Date().timeIntervalSince(start)))
        print(String(format: "perplexity  %.4f (seqlen %d)", result.perplexity, seqlen))
    }
}

extension TaskFormat: ExpressibleByArgument {}

extension Eval {
    func evaluate(_ task: TaskRun, _ loaded: LoadedModel) throws {
        let path = task.path
        let start = Date()
        let summary = task.evaluate(loaded, encoded: try task.encoded(for: loaded))
        let items = task.items
        print("model       \(loaded.name)\(trace.map { " with masks from \($0)" } ?? "")")
        print("task        \(path): \(items.count) items, format \(task.format.rawValue)")
        print(String(format: "seconds     %.1f", Date().timeIntervalSince(start)))
        task.metricTexts(summary, width: 11).forEach { print($0) }
        if let out {
            let json: [String: Any] = [
                "model": loaded.name, "trace": trace ?? NSNull(), "task": path, "format": task.format.rawValue, "metrics": summary.metrics,
                "items": zip(items, summary.items).map { taskItem, item in
                    ["requests": taskItem.requests.map { [$0.context, $0.continuation] }, "gold": item.gold, "loglikelihoods": item.logLikelihoods, "is_greedy": item.isGreedy,
                     "continuation_tokens": item.continuationTokens, "prediction": item.prediction,
                     "prediction_norm": item.normalisedPrediction] as [String: Any]
                },
            ]
            try AtomicFile.write(try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]), to: out)
            print("wrote \(out)")
        }
    }
}

/// Reads a UTF-8 text file with a one-line error.
enum TextFile {
    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): \(FileManager.default.fileExists(atPath: path) ? "cannot read" : "no such file")")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIError("\(path): not UTF-8 text") }
        return text
    }
}
