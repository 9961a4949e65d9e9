import Foundation
import Testing
import TestSupport
@testable import Pruner

/// Where scripts/fetch-qwen.sh put the second real model, if it did.
enum QwenModel {
    static let name = "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"
    static let path: String? = RealData.path(of: name)
    /// Loaded once (2.4 GB in fp32) for the tests that run it.
    static let loaded: LoadedModel = try! ModelLoader.load(path!)
}

/// The second real model's tensors: one tensor of each quantization type the file uses, decoded
/// by sparsim and by the `gguf` package's reader and dequantizer.
@Suite(.enabled(if: QwenModel.path != nil || ExternalProcess.mustRunEverything,
                "data/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf is absent (run scripts/fetch-qwen.sh)"))
struct QwenTensorTests {
    /// The smallest tensor of each type in the file.
    static let tensors: [(name: String, type: GGMLType)] = [
        ("blk.0.attn_k.weight", .q5_0), ("blk.0.attn_v.weight", .q8_0), ("blk.0.ffn_down.weight", .q6_K),
        ("blk.11.ffn_down.weight", .q4_K), ("blk.0.attn_k.bias", .f32),
    ]

    @Test(arguments: tensors.map(\.name))
    func decodesLikeTheGGUFPackage(tensor: String) throws {
        let path = try #require(QwenModel.path, "CI must run scripts/fetch-qwen.sh before the tests")
        let file = try GGUFFile(path: path)
        let info = try #require(file.tensors[tensor])
        #expect(info.type == Self.tensors.first { $0.name == tensor }!.type)
        let ours = try file.tensor(tensor)
        let folder = try TemporaryDirectory()
        let script = """
            import sys, numpy as np
            from gguf import GGUFReader, quants
            tensor = next(t for t in GGUFReader(sys.argv[1]).tensors if t.name == sys.argv[2])
            quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float32).reshape(-1).tofile(sys.argv[3])
            """
        let result = try ExternalProcess.python(["-c", script, path, tensor, folder.file("out.bin")])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try SharedModel.readArray(folder.file("out.bin"), as: Float.self)
        #expect(ours.count == reference.count)
        let largest = reference.map(abs).max() ?? 0
        var worst: Float = 0
        for (a, b) in zip(ours, reference) { worst = max(worst, abs(a - b)) }
        #expect(largest > 0)
        #expect(worst <= 1e-6 * largest, "\(tensor): max |Δ| \(worst) of \(largest)")
    }
}

/// Qwen2's pre-tokenizer and tokenizer.
@Suite struct Qwen2TokenizerTests {
    static let pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let samples = [
        "\"Well, Anne,\" said he—'tis 1814; they'RE here.\n\n  Hello  world!!\n\t(the end)...\r\n",
        "It's 2048 tokens: 12.5% of 'em, DON'T they?   \n \n x\u{00A0}y  ",
        "café naïve Ωmega 中文字符 ١٢٣ ½ — «quoted» 'll 'LL '", "  ", "\n", "a", " .\n\nb 7x",
    ]

    @Test(.enabled(if: (try? ExternalProcess.python(["-c", "import regex"]).status) == 0 || ExternalProcess.mustRunEverything,
                   "python3 with the regex package is not installed"))
    func scannerSplitsAsThePatternDoes() throws {
        let folder = try TemporaryDirectory()
        for (index, sample) in Self.samples.enumerated() {
            try sample.write(toFile: folder.file("s\(index).txt"), atomically: true, encoding: .utf8)
            let script = "import sys, json, regex; print(json.dumps(regex.findall(sys.argv[1], open(sys.argv[2], encoding='utf-8', newline='').read())))"
            let result = try ExternalProcess.python(["-c", script, Self.pattern, folder.file("s\(index).txt")])
            try #require(result.status == 0, "\(result.stderr)")
            let expected = try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8))
            #expect(Qwen2PreTokenizer.split(sample).map(String.init) == expected, "sample \(index): \(sample.debugDescription)")
        }
    }

    @Test(.enabled(if: QwenModel.path != nil && (SharedModel.hasTransformers || ExternalProcess.mustRunEverything),
                   "the Qwen GGUF (scripts/fetch-qwen.sh) or python3 with transformers is missing"))
    func idsMatchHuggingFaceOnTheEvaluationText() throws {
        let path = try #require(QwenModel.path)
        let tokenizer = try GGUFModel.tokenizer(try GGUFFile(path: path))
        let folder = try TemporaryDirectory()
        let result = try ExternalProcess.python([SharedModel.referenceScript, path, "tokens", SharedModel.evaluationText, folder.file("ids")])
        try #require(result.status == 0, "\(result.stderr.suffix(2000))")
        let reference = try SharedModel.readArray(folder.file("ids"), as: Int32.self)
        let ours = tokenizer.encode(try String(contentsOfFile: SharedModel.evaluationText, encoding: .utf8))
        #expect(reference.count == 111_732)
        #expect(ours.count == reference.count)
        if let first = zip(ours, reference).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("first difference at token \(first.offset): ours \(first.element.0), reference \(first.element.1)")
        }
    }
}

/// The qwen2 architecture (q/k/v biases, RoPE θ 10⁶, untied head, half-split rotary layout in the
/// file) against Hugging Face transformers on the same GGUF.
@Suite(.enabled(if: QwenModel.path != nil && (SharedModel.hasTransformers || ExternalProcess.mustRunEverything),
                "the Qwen GGUF (scripts/fetch-qwen.sh) or python3 with transformers is missing"))
struct Qwen2ForwardTests {
    @Test func logitsMatchTransformersOnAFixedPrompt() throws {
        let path = try #require(QwenModel.path)
        let loaded = QwenModel.loaded
        let config = loaded.model.config
        #expect(config.layers == 24 && config.hiddenSize == 896 && config.heads == 14 && config.keyValueHeads == 2)
        #expect(config.intermediateSize == 4864 && config.vocabularySize == 151_936 && config.ropeTheta == 1e6)
        #expect(!config.tiedEmbeddings)
        #expect(Set(loaded.model.weights.blocks[0].biases.keys) == [.q, .k, .v])
        let ids = loaded.tokenizer.encode(TransformersReferenceTests.prompt)
        let reference = try TransformersReferenceTests.expectLogitsMatch(loaded.model.forward(ids), ids: ids, modelPath: path)
        let scale = reference.map { abs($0) }.max()!
        // Without the biases the logits move far more than that: the biases are really applied.
        var unbiased = loaded.model.weights
        for index in unbiased.blocks.indices { unbiased.blocks[index].biases = [:] }
        let withoutBiases = LlamaModel(weights: unbiased).forward(ids)
        let moved = zip(withoutBiases.values, reference).map { abs($0 - $1) }.max()!
        #expect(moved / scale > 1e-2)
    }

    @Test func perplexityMatchesTransformersOnTheFirstWindows() throws {
        try TransformersReferenceTests.expectPerplexityMatch(QwenModel.loaded, modelPath: try #require(QwenModel.path))
    }

    @Test func exportedDirectoryRoundTrips() throws {
        #expect(QwenModel.loaded.model.weights.family == .qwen2)
        try ExportTests.expectRoundTrip(QwenModel.loaded, compareWithTransformers: true)
    }
}
