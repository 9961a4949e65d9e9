import Traces

/// Reads a LLaMA model and its tokenizer from a GGUF file (llama.cpp's names and layout).
public enum GGUFModel {
    /// llama.cpp's tensor names for the seven linears of a block.
    static func tensorName(block: Int, _ projection: Projection) -> String {
        let suffix = switch projection {
        case .q: "attn_q"
        case .k: "attn_k"
        case .v: "attn_v"
        case .o: "attn_output"
        case .gate: "ffn_gate"
        case .up: "ffn_up"
        case .down: "ffn_down"
        }
        return "blk.\(block).\(suffix).weight"
    }

    /// llama.cpp's converter permutes q/k rows for RoPE on adjacent pairs only for LLaMA; Qwen2's
    /// files keep Hugging Face's half-split layout.
    static func fileLayout(_ file: GGUFFile) -> RotaryLayout {
        file.metadata["general.architecture"]?.stringValue == ModelFamily.llama.rawValue ? .adjacentPairs : .halfSplit
    }

    public static func config(_ file: GGUFFile) throws(ModelError) -> LlamaConfig {
        let meta = file.metadata
        func fail(_ message: String) -> ModelError { ModelError(path: file.path, message: message) }
        guard let architecture = meta["general.architecture"]?.stringValue else { throw fail("missing general.architecture") }
        guard ModelFamily(rawValue: architecture) != nil else {
            throw fail("architecture '\(architecture)' is not supported (\(ModelFamily.supportedNames) are)")
        }
        // Hyper-parameters are keyed by the architecture's name: llama.block_count, qwen2.block_count, ...
        let prefix = architecture + "."
        func integer(_ key: String) throws(ModelError) -> Int {
            guard let value = meta[prefix + key]?.intValue else { throw fail("missing or non-integer \(prefix)\(key)") }
            return value
        }
        let hidden = try integer("embedding_length")
        let heads = try integer("attention.head_count")
        guard let embedding = file.tensors["token_embd.weight"], embedding.dims.count == 2 else {
            throw fail("missing tensor 'token_embd.weight'")
        }
        let config = LlamaConfig(
            hiddenSize: hidden, intermediateSize: try integer("feed_forward_length"), layers: try integer("block_count"),
            heads: heads, keyValueHeads: meta[prefix + "attention.head_count_kv"]?.intValue ?? heads,
            vocabularySize: embedding.dims[1],
            ropeTheta: meta[prefix + "rope.freq_base"]?.doubleValue ?? 10_000,
            rmsNormEpsilon: meta[prefix + "attention.layer_norm_rms_epsilon"]?.doubleValue ?? 1e-5,
            maxPositions: meta[prefix + "context_length"]?.intValue ?? 2048,
            tiedEmbeddings: file.tensors["output.weight"] == nil)
        try config.validate(path: file.path)
        return config
    }

    /// The weights in fp32. With `layout: .halfSplit` (the default) the q/k rows are un-permuted into
    /// Hugging Face's layout; `.adjacentPairs` keeps the file's layout (RoPE must then pair adjacent
    /// dimensions). Both give the same logits.
    public static func weights(_ file: GGUFFile, layout: RotaryLayout = .halfSplit) throws(ModelError) -> LlamaWeights {
        var (weights, blocks) = try open(file, layout: layout)
        weights.blocks = try blocks.loadAll()
        return weights
    }

    /// Everything but the blocks (`blocks` empty), and a source that reads each block when asked.
    public static func open(_ file: GGUFFile, layout: RotaryLayout = .halfSplit) throws(ModelError) -> (LlamaWeights, GGUFBlocks) {
        let config = try config(file)
        let stored = fileLayout(file)
        let blocks = GGUFBlocks(file: file, config: config, unpermuteRotary: stored == .adjacentPairs && layout == .halfSplit)
        let weights = LlamaWeights(
            config: config,
            embedding: try file.matrix("token_embd.weight", rows: config.vocabularySize, cols: config.hiddenSize),
            blocks: [],
            finalNorm: try file.vector("output_norm.weight", count: config.hiddenSize),
            outputHead: config.tiedEmbeddings ? nil : try file.matrix("output.weight", rows: config.vocabularySize, cols: config.hiddenSize),
            rotaryLayout: stored == .adjacentPairs ? layout : .halfSplit)
        file.releasePages(ofTensorsNamed: { !$0.hasPrefix("blk.") })
        return (weights, blocks)
    }

    /// llama.cpp's converter stores row (h, 2i + j) of each head where Hugging Face has (h, j·d/2 + i).
    static func unpermuteRotary(_ weight: Matrix, heads: Int) -> Matrix {
        permuteRows(weight, heads: heads) { i, j, half in j * half + i } from: { i, j, _ in 2 * i + j }
    }

    /// The inverse: Hugging Face layout to llama.cpp's.
    static func permuteRotary(_ weight: Matrix, heads: Int) -> Matrix {
        permuteRows(weight, heads: heads) { i, j, _ in 2 * i + j } from: { i, j, half in j * half + i }
    }

    private static func permuteRows(_ weight: Matrix, heads: Int, to target: (Int, Int, Int) -> Int,
                                    from source: (Int, Int, Int) -> Int) -> Matrix {
        let headDim = weight.rows / heads, half = headDim / 2
        var result = weight
        for head in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    let to = head * headDim + target(i, j, half), from = head * headDim + source(i, j, half)
                    result.values.replaceSubrange(to * weight.cols..<(to + 1) * weight.cols,
                                                  with: weight.values[from * weight.cols..<(from + 1) * weight.cols])
                }
            }
        }
        return result
    }

    /// The byte-level BPE tokenizer stored in the file's metadata.
    public static func tokenizer(_ file: GGUFFile) throws(ModelError) -> any Tokenizer {
        let meta = file.metadata
        func fail(_ message: String) -> ModelError { ModelError(path: file.path, message: message) }
        let model = meta["tokenizer.ggml.model"]?.stringValue ?? "(none)"
        guard let tokens = meta["tokenizer.ggml.tokens"]?.arrayValue?.compactMap(\.stringValue), !tokens.isEmpty else {
            throw fail("missing tokenizer.ggml.tokens")
        }
        switch model {
        case "gpt2":
            let merges = meta["tokenizer.ggml.merges"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let types = meta["tokenizer.ggml.token_type"]?.arrayValue?.compactMap(\.intValue) ?? []
            // Token types 3 (control) and 4 (user-defined) are matched literally in text.
            let specials = zip(tokens, types).filter { $0.1 == 3 || $0.1 == 4 }.map(\.0)
            // The pre-tokenizer by llama.cpp's name for it; every other name keeps GPT-2's pattern.
            let pre: ByteLevelBPE.PreTokenization = meta["tokenizer.ggml.pre"]?.stringValue == "qwen2" ? .qwen2 : .gpt2
            return try ByteLevelBPE(vocabulary: tokens, merges: merges, specialTokens: specials,
                                    unknownID: meta["tokenizer.ggml.unknown_token_id"]?.intValue.map(Int32.init),
                                    preTokenizer: pre, path: file.path)
        case "llama":
            guard let scores = meta["tokenizer.ggml.scores"]?.arrayValue?.compactMap({ $0.doubleValue.map(Float.init) }),
                  scores.count == tokens.count else { throw fail("SentencePiece tokenizer without one score per token") }
            return try SentencePieceBPE(vocabulary: tokens, priority: .scores(scores),
                                        unknownID: meta["tokenizer.ggml.unknown_token_id"]?.intValue.map(Int32.init),
                                        addPrefixSpace: meta["tokenizer.ggml.add_space_prefix"]?.boolValue ?? true, path: file.path)
        default:
            throw fail("tokenizer model '\(model)' is not supported from GGUF (byte-level BPE 'gpt2' and SentencePiece 'llama' are)")
        }
    }
}
