import Foundation
import Pruner
import SparsimSupport
import Traces

/// Small random models the pruner's and the CLI's tests run on (a real model would take minutes in
/// a debug build).
public enum TinyModels {
    /// Standard normal entries (Box–Muller on a seeded generator): the same matrix for the same seed.
    public static func gaussian(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in
            Float((-2 * log(max(generator.nextUnit(), 1e-12))).squareRoot() * cos(2 * .pi * generator.nextUnit()))
        })
    }

    /// 2 blocks, hidden 32, intermediate 48, GQA 4/2 heads, 50 tokens, tied embeddings, Gaussian
    /// weights and slightly uneven attention norms: a resident model for the pruner's tests.
    public static func resident() -> LlamaModel {
        let config = LlamaConfig(hiddenSize: 32, intermediateSize: 48, layers: 2, heads: 4, keyValueHeads: 2,
                                 vocabularySize: 50, ropeTheta: 10_000, rmsNormEpsilon: 1e-5, maxPositions: 64, tiedEmbeddings: true)
        var seed: UInt64 = 100
        func random(_ rows: Int, _ cols: Int) -> Matrix {
            seed += 1
            return gaussian(rows, cols, seed: seed)
        }
        let blocks = (0..<2).map { _ in
            BlockWeights(attentionNorm: (0..<32).map { 1 + Float($0 % 3) * 0.1 }, mlpNorm: [Float](repeating: 1, count: 32),
                         linears: Dictionary(uniqueKeysWithValues: Projection.allCases.map { projection in
                             let (rows, cols) = config.shape(of: projection)
                             return (projection, random(rows, cols))
                         }))
        }
        return LlamaModel(weights: LlamaWeights(config: config, embedding: random(50, 32), blocks: blocks,
                                                finalNorm: [Float](repeating: 1, count: 32), outputHead: nil, rotaryLayout: .halfSplit))
    }

    /// A byte-level BPE model for the CLI's tests and the fuzzer's seeds: 2 blocks, hidden 32, GQA
    /// 4/2 heads, a vocabulary of 256 bytes and 4 merges, a context of 128 (other sizes on request).
    public static func byteLevel(layers: Int = 2, hidden: Int = 32, intermediate: Int = 48) throws -> (LoadedModel, merges: [String]) {
        let bytes = ByteLevelBPE.byteToCharacter.map(String.init)
        let merges = ["t h", "th e", "Ġ th", "Ġth e"]
        let vocabulary = bytes + ["th", "the", "Ġth", "Ġthe"]
        let tokenizer = try ByteLevelBPE(vocabulary: vocabulary, merges: merges, path: "tiny")
        let config = LlamaConfig(hiddenSize: hidden, intermediateSize: intermediate, layers: layers, heads: 4, keyValueHeads: 2,
                                 vocabularySize: vocabulary.count, ropeTheta: 10_000, rmsNormEpsilon: 1e-5, maxPositions: 128,
                                 tiedEmbeddings: true)
        var generator = SeededGenerator(seed: 11)
        func random(_ rows: Int, _ cols: Int) -> Matrix {
            Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in Float(generator.nextUnit() * 0.4 - 0.2) })
        }
        let blocks = (0..<layers).map { _ in
            BlockWeights(attentionNorm: [Float](repeating: 1, count: hidden), mlpNorm: [Float](repeating: 1, count: hidden),
                         linears: Dictionary(uniqueKeysWithValues: Projection.allCases.map { projection in
                             let (rows, cols) = config.shape(of: projection)
                             return (projection, random(rows, cols))
                         }))
        }
        let weights = LlamaWeights(config: config, embedding: random(vocabulary.count, hidden), blocks: blocks,
                                   finalNorm: [Float](repeating: 1, count: hidden), outputHead: nil, rotaryLayout: .halfSplit)
        return (LoadedModel(name: "tiny", model: LlamaModel(weights: weights), tokenizer: tokenizer), merges)
    }

    /// `byteLevel`'s model as a Hugging Face directory.
    public static func writeHuggingFace(to directory: String, layers: Int = 2, hidden: Int = 32, intermediate: Int = 48) throws {
        try HuggingFaceExport.write(try byteLevel(layers: layers, hidden: hidden, intermediate: intermediate).0, to: directory)
    }

    /// `byteLevel`'s model as a GGUF file of llama.cpp's names, fp32 tensors, the tokenizer in its
    /// metadata (the q/k rows as they are: random weights need no rotary permutation).
    public static func writeGGUF(to path: String, layers: Int = 2, hidden: Int = 32, intermediate: Int = 48) throws {
        let (loaded, merges) = try byteLevel(layers: layers, hidden: hidden, intermediate: intermediate)
        let config = loaded.model.config, weights = loaded.model.weights
        var builder = GGUFBuilder()
        builder.add("general.architecture", string: "llama")
        builder.add("general.name", string: "tiny")
        for (key, value) in [("embedding_length", config.hiddenSize), ("feed_forward_length", config.intermediateSize),
                             ("block_count", config.layers), ("attention.head_count", config.heads),
                             ("attention.head_count_kv", config.keyValueHeads), ("context_length", config.maxPositions)] {
            builder.add("llama." + key, uint32: UInt32(value))
        }
        builder.add("llama.rope.freq_base", float32: Float(config.ropeTheta))
        builder.add("llama.attention.layer_norm_rms_epsilon", float32: Float(config.rmsNormEpsilon))
        builder.add("tokenizer.ggml.model", string: "gpt2")
        builder.add("tokenizer.ggml.tokens", strings: loaded.tokenizer.vocabulary)
        builder.add("tokenizer.ggml.merges", strings: merges)
        func add(_ name: String, _ values: [Float], dims: [Int]) {
            var bytes = Data()
            for value in values { GGUFBuilder.append(value.bitPattern, to: &bytes) }
            builder.addTensor(name, dims: dims, type: .f32, bytes: bytes)
        }
        add("token_embd.weight", weights.embedding.values, dims: [config.hiddenSize, config.vocabularySize])
        add("output_norm.weight", weights.finalNorm, dims: [config.hiddenSize])
        let names: [Projection: String] = [.q: "attn_q", .k: "attn_k", .v: "attn_v", .o: "attn_output",
                                           .gate: "ffn_gate", .up: "ffn_up", .down: "ffn_down"]
        for (index, block) in weights.blocks.enumerated() {
            add("blk.\(index).attn_norm.weight", block.attentionNorm, dims: [config.hiddenSize])
            add("blk.\(index).ffn_norm.weight", block.mlpNorm, dims: [config.hiddenSize])
            for projection in Projection.allCases {
                let matrix = block.linears[projection]!
                add("blk.\(index).\(names[projection]!).weight", matrix.values, dims: [matrix.cols, matrix.rows])
            }
        }
        try builder.build().write(to: URL(fileURLWithPath: path))
    }
}
