import Traces

/// The LLaMA-family architectures sparsim runs, by what tells them apart in the weights. The raw
/// values are both GGUF's `general.architecture` and Hugging Face's `model_type`.
public enum ModelFamily: String, Sendable, CaseIterable {
    case llama
    case qwen2

    /// "llama, qwen2", for error messages.
    static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

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
