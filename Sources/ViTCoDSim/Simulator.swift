import Traces

/// Which cycle model produced a number.
public enum CycleModel: String, CaseIterable, Sendable, Codable {
    /// Compute cycles only, as BESA's `hw_sim` (and the paper's Table 4): no memory system.
    case compute
    /// Tiles, buffers, DRAM traffic and per-line engine costs.
    case full
}

/// A layer to simulate: its name, mask and, for quantised weights, its value width.
public struct LayerWorkload: Sendable {
    public var id: LayerID
    public var mask: KeepMask
    public var valueBits: Int?

    public init(id: LayerID, mask: KeepMask, valueBits: Int? = nil) {
        self.id = id
        self.mask = mask
        self.valueBits = valueBits
    }
}

/// The simulator's verdict on one layer.
public struct LayerReport: Sendable, Equatable {
    public var id: LayerID
    public var rows: Int
    public var cols: Int
    public var kept: Int
    public var model: CycleModel
    public var tokens: Int
    public var compute: ComputeModelResult
    /// Present with `model == .full`.
    public var full: FullModelResult?

    public var sparsity: Double { 1 - Double(kept) / Double(rows * cols) }

    /// Cycles of the layer run dense and run sparse, for all `tokens` tokens, under `model`.
    /// (The compute model processes tokens one after another: per-token cycles × tokens.)
    public var denseCycles: Int { full?.dense.cycles ?? compute.denseCycles * tokens }
    public var sparseCycles: Int { full?.sparse.cycles ?? compute.cycles * tokens }
    public var speedup: Double { Double(denseCycles) / Double(sparseCycles) }
}

/// Runs layers through the chosen cycle model.
public struct Simulator: Sendable {
    public var config: HardwareConfig
    public var model: CycleModel
    public var search: SplitSearch
    public var quirks: ReferenceQuirks

    /// Quirks apply to the compute model only; the full model always partitions with the fixed one.
    public init(config: HardwareConfig = HardwareConfig(), model: CycleModel = .full, search: SplitSearch = .ratio,
                quirks: ReferenceQuirks = .none) {
        self.config = config
        self.model = model
        self.search = search
        self.quirks = model == .compute ? quirks : .none
    }

    /// `groupSize` is M of an N:M trace (0 otherwise).
    public func simulate(_ layer: LayerWorkload, groupSize: Int = 0) -> LayerReport {
        let compute = ComputeModel(config: config, search: search, quirks: quirks).simulate(layer.mask, projection: layer.id.projection)
        let full = model == .full
            ? FullModel(config: config).simulate(layer.mask, projection: layer.id.projection, compute: compute,
                                                 valueBits: layer.valueBits, groupSize: groupSize)
            : nil
        return LayerReport(id: layer.id, rows: layer.mask.rows, cols: layer.mask.cols, kept: layer.mask.nonzeroCount,
                           model: model, tokens: config.tokens, compute: compute, full: full)
    }
}
