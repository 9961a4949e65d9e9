import Foundation
import Testing
import TestSupport
import Traces

/// `sparsim eval --task` against lm-evaluation-harness itself (PyPI lm-eval, its HFLM backend and
/// its own task definitions, Support/reference_lm_eval.py) on the two offline tasks `sparsim task
/// make` writes: the dense model from its GGUF, and a Wanda-pruned one that sparsim evaluates with
/// `--trace` while lm-eval reads the directory `prune --save-model` exported.
@Suite struct ZeroShotCrossCheckTests {
    static let enabled = ModelCLITests.gguf != nil && (ExternalProcess.mustRunEverything ||
        (try? ExternalProcess.python(["-c", "import lm_eval, torch, transformers, gguf"]).status) == 0)
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/reference_lm_eval.py").path

    struct Scores: Decodable {
        struct Item: Decodable {
            var requests: [[String]]
            var loglikelihoods: [Double]
            var is_greedy: [Bool]
        }
        var items: [Item]
        var metrics: [String: Double]

        enum CodingKeys: String, CodingKey { case items, metrics }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            items = try container.decode([Item].self, forKey: .items)
            // lm-eval names its metrics "acc,none" and mixes in strings ("N/A" standard errors).
            let raw = try container.decode([String: LossyDouble].self, forKey: .metrics)
            metrics = Dictionary(uniqueKeysWithValues: raw.compactMap { key, value in
                value.value.map { (String(key.split(separator: ",")[0]), $0) }
            })
        }
    }

    struct LossyDouble: Decodable {
        var value: Double?
        init(from decoder: any Decoder) throws { value = try? decoder.singleValueContainer().decode(Double.self) }
    }

    @Test(.enabled(if: enabled, "needs the shipped model and python3 with lm-eval, torch, transformers, gguf"))
    func sparsimAndLMEvalAgreeItemByItem() throws {
        let gguf = try #require(ModelCLITests.gguf)
        let folder = try TemporaryDirectory()
        let text = URL(fileURLWithPath: gguf).deletingLastPathComponent().path + "/text/austen_persuasion.txt"
        for kind in ["cloze", "endings"] {
            let made = try CLI.run(["task", "make", "--from", text, "--kind", kind, "--count", "10", "--seed", "1", "--out", folder.file("\(kind).jsonl")])
            try #require(made.status == 0, "\(made.stderr)")
        }
        // A pruned model: Wanda on 2 windows of Emma, its trace for sparsim and its export for lm-eval.
        let emma = URL(fileURLWithPath: gguf).deletingLastPathComponent().path + "/text/austen_emma.txt"
        let pruned = try CLI.run(["prune", "--model", gguf, "--method", "wanda", "--calib", emma, "--samples", "2", "--seqlen", "64",
                                  "--out", folder.file("wanda.h5"), "--save-model", folder.file("wanda-model")])
        try #require(pruned.status == 0, "\(pruned.stderr)")

        for (label, sparsimModel, lmEvalModel) in [("dense", [gguf], gguf),
                                                    ("wanda", [gguf, "--trace", folder.file("wanda.h5")], folder.file("wanda-model"))] {
            for (kind, format) in [("cloze", "lambada"), ("endings", "choices")] {
                let ours = folder.file("\(label)-\(kind)-sparsim.json"), theirs = folder.file("\(label)-\(kind)-lm-eval.json")
                let run = try CLI.run(["eval", "--model"] + sparsimModel + ["--task", folder.file("\(kind).jsonl"), "--out", ours])
                try #require(run.status == 0, "\(run.stderr)")
                let reference = try ExternalProcess.pythonWithTimeout([Self.script, lmEvalModel, format, folder.file("\(kind).jsonl"), theirs],
                                                                     seconds: 300)
                try #require(reference.status == 0, "\(reference.stderr.suffix(2000))")
                let (a, b) = (try Self.read(ours), try Self.read(theirs))
                try #require(a.items.count == b.items.count && a.items.count >= 8, "\(label) \(kind): \(a.items.count) vs \(b.items.count) items")
                var worst = 0.0
                for (index, (x, y)) in zip(a.items, b.items).enumerated() {
                    #expect(x.requests == y.requests, "\(label) \(kind) item \(index): the prompts differ")
                    #expect(x.is_greedy == y.is_greedy, "\(label) \(kind) item \(index): greedy \(x.is_greedy) vs \(y.is_greedy)")
                    for (p, q) in zip(x.loglikelihoods, y.loglikelihoods) { worst = max(worst, abs(p - q)) }
                }
                #expect(worst < 1e-3, "\(label) \(kind): log-likelihoods differ by up to \(worst)")
                for metric in a.metrics.keys.sorted() where metric != "perplexity" {
                    #expect(a.metrics[metric] == b.metrics[metric], "\(label) \(kind) \(metric): \(a.metrics[metric]!) vs \(b.metrics[metric] ?? .nan)")
                }
                if let perplexity = a.metrics["perplexity"] {
                    #expect(abs(perplexity / b.metrics["perplexity"]! - 1) < 1e-4)
                }
                print("\(label) \(kind): \(a.items.count) items, metrics \(a.metrics), largest log-likelihood difference \(worst)")
            }
        }
    }

    static func read(_ path: String) throws -> Scores {
        try JSONDecoder().decode(Scores.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
