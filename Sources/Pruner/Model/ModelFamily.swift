import Traces

/// The LLaMA-family architectures sparsim runs, by what tells them apart in the weights.
public enum ModelFamily: String, Sendable {
    case llama
    case qwen2

    /// The linears that carry an output bias.
    public var biasedProjections: Set<Projection> {
        switch self {
        case .llama: []
        case .qwen2: [.q, .k, .v]
        }
    }

    /// `architectures` in a Hugging Face config.json.
    var huggingFaceArchitecture: String {
        switch self {
        case .llama: "LlamaForCausalLM"
        case .qwen2: "Qwen2ForCausalLM"
        }
    }
}
