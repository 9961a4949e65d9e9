import ArgumentParser
import Foundation
import Pruner
import Traces

/// `sparsim eval`: perplexity of a model, optionally with a trace's masks applied.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity of a model on a text file, with a trace's masks applied if given.",
        discussion: """
            The text is tokenized once and cut into floor(n / seqlen) non-overlapping windows (the \
            tail is dropped); ppl = exp(mean over windows of each window's mean next-token NLL). \
            Always report seqlen with a perplexity: the same model scores differently at 512 and 2048.
            """
    )

    @Option(help: "A .gguf file or a Hugging Face model directory.")
    var model: String

    @Option(help: "A trace whose masks (and stored weights) are applied before evaluating.")
    var trace: String?

    @Option(help: "Text file to evaluate on (the held-out split: austen_persuasion.txt).")
    var data: String

    @Option(help: "Window length in tokens.")
    var seqlen: Int

    @Option(name: .customLong("max-windows"), help: "Evaluate only the first N windows.")
    var maxWindows: Int?

    func validate() throws {
        guard seqlen >= 2 else { throw ValidationError("--seqlen must be at least 2") }
        if let maxWindows, maxWindows < 1 { throw ValidationError("--max-windows must be at least 1") }
    }

    func run() throws {
        lineBufferStandardOutput()
        var loaded = try ModelLoader.load(model)
        guard seqlen <= loaded.model.config.maxPositions else {
            throw CLIError("--seqlen \(seqlen) exceeds the model's context of \(loaded.model.config.maxPositions)")
        }
        if let trace {
            let masks = try Trace.read(from: trace)
            var weights = loaded.model.weights
            try weights.applyMasks(masks.layers, path: trace)
            loaded.model = LlamaModel(weights: weights)
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
