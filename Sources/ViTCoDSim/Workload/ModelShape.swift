import Traces

/// The linear-layer shapes of a LLaMA-family model: enough to synthesize traces at real sizes.
public struct ModelShape: Sendable, Equatable {
    public var name: String
    public var hiddenSize: Int
    public var intermediateSize: Int
    /// Width of k_proj/v_proj outputs (= hidden size without grouped-query attention).
    public var keyValueSize: Int
    public var blocks: Int

    /// LLaMA-1/2 7B and 13B, LLaMA-2 70B (GQA, 8 KV heads of 128), and a small SmolLM2-135M-like
    /// shape (4 of its 30 blocks) that keeps a trace to a few MB.
    public static let known: [String: ModelShape] = [
        "llama-7b": ModelShape(name: "llama-7b", hiddenSize: 4096, intermediateSize: 11008, keyValueSize: 4096, blocks: 32),
        "llama-13b": ModelShape(name: "llama-13b", hiddenSize: 5120, intermediateSize: 13824, keyValueSize: 5120, blocks: 40),
        "llama-70b": ModelShape(name: "llama-70b", hiddenSize: 8192, intermediateSize: 28672, keyValueSize: 1024, blocks: 80),
        "small": ModelShape(name: "small", hiddenSize: 576, intermediateSize: 1536, keyValueSize: 192, blocks: 4),
    ]

    /// A known shape by name, optionally cut to its first `blocks` blocks.
    public static func named(_ name: String, blocks: Int? = nil) throws(ConfigError) -> ModelShape {
        guard var shape = known[name] else {
            throw ConfigError("unknown shape '\(name)' (known: \(known.keys.sorted().joined(separator: ", ")))")
        }
        if let blocks {
            guard blocks >= 1 else { throw ConfigError("--blocks must be at least 1, got \(blocks)") }
            shape.blocks = min(blocks, shape.blocks)
        }
        return shape
    }

    /// C_out × C_in of a projection.
    public func shape(of projection: Projection) -> (rows: Int, cols: Int) {
        projection.shape(hiddenSize: hiddenSize, intermediateSize: intermediateSize, keyValueSize: keyValueSize)
    }

    /// Hugging Face config keys, recorded in a trace's `/config`.
    public var config: [String: AttributeValue] {
        ["hidden_size": .int(Int64(hiddenSize)), "intermediate_size": .int(Int64(intermediateSize)),
         "kv_size": .int(Int64(keyValueSize)), "num_hidden_layers": .int(Int64(blocks))]
    }
}
