/// What a pruning run was: the header every trace carries (root attributes of the file).
public struct TraceMetadata: Sendable, Equatable {
    /// The model's name or path, as the pruner was given it.
    public var model: String
    /// `besa`, `wanda`, `sparsegpt`, `magnitude`, `synthetic`, ...
    public var method: String
    /// The sparsity asked for, in [0, 1).
    public var targetSparsity: Double
    public var pattern: SparsityPattern
    /// Calibration window length in tokens (0 when no data was used).
    public var seqlen: Int
    /// Number of calibration windows (0 when no data was used).
    public var calibrationSamples: Int
    /// SHA-256 of the calibration windows' token ids (little-endian int32, row-major), when the
    /// writer recorded it: equal fingerprints mean identical calibration.
    public var calibrationSHA256: String?
    /// The program and version that wrote the trace.
    public var createdBy: String
    /// The prune run's full recipe as JSON (sparsim's `PruneRecipe`), when the writer recorded it.
    public var recipe: String?

    public init(
        model: String, method: String, targetSparsity: Double, pattern: SparsityPattern = .unstructured,
        seqlen: Int = 0, calibrationSamples: Int = 0, calibrationSHA256: String? = nil, createdBy: String = TraceFormat.creator,
        recipe: String? = nil
    ) {
        self.model = model
        self.method = method
        self.targetSparsity = targetSparsity
        self.pattern = pattern
        self.seqlen = seqlen
        self.calibrationSamples = calibrationSamples
        self.calibrationSHA256 = calibrationSHA256
        self.createdBy = createdBy
        self.recipe = recipe
    }
}

/// One pruned linear layer: its keep-mask and, optionally, the weights after pruning
/// (SparseGPT updates kept weights; quantization changes them).
public struct TraceLayer: Sendable, Equatable {
    public var id: LayerID
    public var mask: KeepMask
    /// Row-major `mask.rows × mask.cols` weights, if the trace stores them.
    public var weight: [Float]?
    /// BESA: the sparsity it learned for each row (C_out values) or for the whole layer (one
    /// value), before the final masks were rounded to whole weights.
    public var learnedSparsity: [Float]?
    /// How `weight` was quantized, if it was: its values lie on a `bits`-bit grid per group.
    public var quantization: WeightQuantization?

    public init(id: LayerID, mask: KeepMask, weight: [Float]? = nil, learnedSparsity: [Float]? = nil,
                quantization: WeightQuantization? = nil) {
        precondition(weight == nil || weight!.count == mask.count, "weight count does not match the mask")
        precondition(learnedSparsity == nil || [1, mask.rows].contains(learnedSparsity!.count),
                     "learned sparsities are one per row or one per layer")
        precondition(quantization == nil || weight != nil, "quantized layers store their weights")
        self.id = id
        self.mask = mask
        self.weight = weight
        self.learnedSparsity = learnedSparsity
        self.quantization = quantization
    }
}

/// Weight-only uniform quantization of a layer's stored weights.
public struct WeightQuantization: Sendable, Equatable, CustomStringConvertible {
    /// Bits per weight value, 2...8.
    public var bits: Int
    /// Consecutive input columns of a row sharing one step and zero point; 0 = the whole row.
    public var groupSize: Int

    public init(bits: Int, groupSize: Int) {
        self.bits = bits
        self.groupSize = groupSize
    }

    public var description: String { "\(bits)-bit " + (groupSize == 0 ? "per channel" : "groups of \(groupSize)") }
}

/// A whole trace in memory. For large traces prefer `TraceReader` (loads one layer at a
/// time) and `TraceWriter` (writes one layer at a time).
public struct Trace: Sendable, Equatable {
    public var metadata: TraceMetadata
    /// Model hyper-parameters (`/config`), e.g. `hidden_size`, `num_hidden_layers`.
    public var config: [String: AttributeValue]
    /// What the run measured (`/metrics`), e.g. `perplexity`, `seconds`.
    public var metrics: [String: Double]
    /// Sorted by block, then projection.
    public var layers: [TraceLayer]

    public init(metadata: TraceMetadata, config: [String: AttributeValue] = [:],
                metrics: [String: Double] = [:], layers: [TraceLayer]) {
        self.metadata = metadata
        self.config = config
        self.metrics = metrics
        self.layers = layers.sorted { $0.id < $1.id }
    }

    /// Reads a whole trace, validating every layer (`acceptingUnchecksummed`: see `TraceReader`).
    public static func read(from path: String, acceptingUnchecksummed: Bool = false) throws(TraceError) -> Trace {
        let reader = try TraceReader(path: path, acceptingUnchecksummed: acceptingUnchecksummed)
        var layers: [TraceLayer] = []
        for summary in reader.layers {
            layers.append(try reader.layer(summary.id))
        }
        return Trace(metadata: reader.metadata, config: reader.config, metrics: reader.metrics, layers: layers)
    }

    /// Writes the trace atomically: nothing appears at `path` unless every layer was written.
    public func write(to path: String) throws(TraceError) {
        let writer = try TraceWriter(path: path, metadata: metadata, config: config)
        for layer in layers { try writer.append(layer) }
        try writer.finish(metrics: metrics)
    }
}

/// Constants of the on-disk format (docs/trace-format.md).
public enum TraceFormat {
    public static let name = "sparsim-trace"
    public static let version: Int64 = 1
    public static let creator = "sparsim 0.1"
    /// The largest C_out or C_in a trace may declare: 2^20, past every real model's projections
    /// (LLaMA-70B's widest is 28,672), small enough that no size computed from two of them overflows.
    public static let largestDimension = 1 << 20
}
