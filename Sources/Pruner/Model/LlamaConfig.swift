import Traces

/// The hyper-parameters of a LLaMA-architecture model (Hugging Face `config.json` names in comments).
public struct LlamaConfig: Sendable, Equatable {
    public var hiddenSize: Int            // hidden_size
    public var intermediateSize: Int      // intermediate_size
    public var layers: Int                // num_hidden_layers
    public var heads: Int                 // num_attention_heads
    public var keyValueHeads: Int         // num_key_value_heads
    public var vocabularySize: Int        // vocab_size
    public var ropeTheta: Double          // rope_theta
    public var rmsNormEpsilon: Double     // rms_norm_eps
    public var maxPositions: Int          // max_position_embeddings
    public var tiedEmbeddings: Bool       // tie_word_embeddings

    public init(hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int, keyValueHeads: Int, vocabularySize: Int,
                ropeTheta: Double, rmsNormEpsilon: Double, maxPositions: Int, tiedEmbeddings: Bool) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layers = layers
        self.heads = heads
        self.keyValueHeads = keyValueHeads
        self.vocabularySize = vocabularySize
        self.ropeTheta = ropeTheta
        self.rmsNormEpsilon = rmsNormEpsilon
        self.maxPositions = maxPositions
        self.tiedEmbeddings = tiedEmbeddings
    }

    public var headDim: Int { hiddenSize / heads }
    public var keyValueSize: Int { keyValueHeads * headDim }

    /// C_out × C_in of a projection.
    public func shape(of projection: Projection) -> (rows: Int, cols: Int) {
        projection.shape(hiddenSize: hiddenSize, intermediateSize: intermediateSize, keyValueSize: keyValueSize)
    }

    /// Checks the numbers make a model; `path` names the file for the error.
    func validate(path: String) throws(ModelError) {
        func fail(_ message: String) -> ModelError { ModelError(path: path, message: "invalid model config: \(message)") }
        for (value, name) in [(hiddenSize, "hidden size"), (intermediateSize, "intermediate size"), (layers, "layers"),
                              (heads, "heads"), (keyValueHeads, "key/value heads"), (vocabularySize, "vocabulary size")] {
            guard value > 0 else { throw fail("\(name) is \(value)") }
        }
        guard hiddenSize % heads == 0 else { throw fail("hidden size \(hiddenSize) is not a multiple of \(heads) heads") }
        guard heads % keyValueHeads == 0 else { throw fail("\(heads) heads are not a multiple of \(keyValueHeads) key/value heads") }
        guard headDim % 2 == 0 else { throw fail("head dimension \(headDim) is odd (RoPE rotates pairs)") }
        guard ropeTheta > 0, rmsNormEpsilon > 0 else { throw fail("rope theta and RMSNorm epsilon must be positive") }
    }

    /// Hugging Face `config.json` keys, for a trace's `/config` and for export.
    public var huggingFaceValues: [(String, Any)] {
        [("hidden_size", hiddenSize), ("intermediate_size", intermediateSize), ("num_hidden_layers", layers),
         ("num_attention_heads", heads), ("num_key_value_heads", keyValueHeads), ("vocab_size", vocabularySize),
         ("rope_theta", ropeTheta), ("rms_norm_eps", rmsNormEpsilon), ("max_position_embeddings", maxPositions),
         ("tie_word_embeddings", tiedEmbeddings)]
    }
}
