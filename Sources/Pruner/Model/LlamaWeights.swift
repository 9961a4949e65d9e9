import Traces

/// How rotary embeddings pair the dimensions of a head: Hugging Face rotates (i, i + d/2),
/// llama.cpp's GGUF files store q/k rows permuted so that adjacent dimensions (2i, 2i + 1) pair.
public enum RotaryLayout: Sendable, Equatable {
    case halfSplit
    case adjacentPairs
}

/// The weights of one decoder block. Linear weights are C_out × C_in.
public struct BlockWeights: Sendable {
    public var attentionNorm: [Float]
    public var mlpNorm: [Float]
    public var linears: [Projection: Matrix]
    /// Output biases of the linears that have one (Qwen2: q, k and v). Never pruned.
    public var biases: [Projection: [Float]]

    public init(attentionNorm: [Float], mlpNorm: [Float], linears: [Projection: Matrix], biases: [Projection: [Float]] = [:]) {
        precondition(Set(linears.keys) == Set(Projection.allCases), "a block needs all seven linears")
        precondition(biases.allSatisfy { linears[$0.key]!.rows == $0.value.count }, "a bias has one value per output row")
        self.attentionNorm = attentionNorm
        self.mlpNorm = mlpNorm
        self.linears = linears
        self.biases = biases
    }

    public subscript(projection: Projection) -> Matrix {
        get { linears[projection]! }
        set { linears[projection] = newValue }
    }
}

/// A whole LLaMA model in memory (fp32), whatever file it came from.
public struct LlamaWeights: Sendable {
    public var config: LlamaConfig
    /// vocabulary × hidden.
    public var embedding: Matrix
    public var blocks: [BlockWeights]
    public var finalNorm: [Float]
    /// vocabulary × hidden; nil when tied to the embedding.
    public var outputHead: Matrix?
    public var rotaryLayout: RotaryLayout

    public init(config: LlamaConfig, embedding: Matrix, blocks: [BlockWeights], finalNorm: [Float], outputHead: Matrix?,
                rotaryLayout: RotaryLayout) {
        self.config = config
        self.embedding = embedding
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.outputHead = outputHead
        self.rotaryLayout = rotaryLayout
    }

    public var head: Matrix { outputHead ?? embedding }

    /// The Hugging Face architecture these weights are an instance of: LLaMA (no biases) or Qwen2
    /// (biases on q, k and v in every block, nowhere else); nil for any other placement of biases.
    public var family: ModelFamily? {
        let biased = Set(blocks.flatMap(\.biases.keys))
        if biased.isEmpty { return .llama }
        if biased == ModelFamily.qwen2.biasedProjections,
           blocks.allSatisfy({ Set($0.biases.keys) == biased }) { return .qwen2 }
        return nil
    }

    /// Zeroes every weight a trace's masks prune. Shapes must match.
    public mutating func applyMasks(_ layers: [TraceLayer], path: String) throws(ModelError) {
        for layer in layers {
            guard layer.id.block < blocks.count else {
                throw ModelError(path: path, message: "trace has block \(layer.id.block); the model has \(blocks.count)")
            }
            var weight = blocks[layer.id.block][layer.id.projection]
            guard weight.rows == layer.mask.rows, weight.cols == layer.mask.cols else {
                throw ModelError(path: path, message: "\(layer.id.tracePath) is \(layer.mask.rows)×\(layer.mask.cols); "
                    + "the model's \(layer.id.projection.rawValue) is \(weight.rows)×\(weight.cols)")
            }
            if let replacement = layer.weight {
                weight.values = replacement
            }
            weight.zeroPruned(by: layer.mask)
            blocks[layer.id.block][layer.id.projection] = weight
        }
    }
}
