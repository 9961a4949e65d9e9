import Traces

/// Which cycle model produced a number.
public enum CycleModel: String, CaseIterable, Sendable, Codable {
    /// Compute cycles only, as BESA's `hw_sim` (and the paper's Table 4): no memory system.
    case compute
    /// Tiles, buffers, DRAM traffic and per-line engine costs.
    case full
}

/// A layer to simulate: its name, mask and, for quantized weights, its value width.
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

/// How the full model maps a layer onto the array.
public enum MapperKind: String, CaseIterable, Sendable, Codable {
    /// Search the mapspace for each layer (`Mapper`).
    case search
    /// The compute model's partition, lines along rows, the `Tiler`'s tiles: the numbers before the mapper.
    case fixed
}

/// Runs layers through the chosen cycle model.
public struct Simulator: Sendable {
    public let config: HardwareConfig
    public let model: CycleModel
    public let search: SplitSearch
    public let quirks: ReferenceQuirks
    public let mapperKind: MapperKind
    public let mapperOptions: MapperOptions
    /// Shared by every layer simulated, so the dense baselines are searched once per shape.
    private let mapper: Mapper?

    /// Quirks apply to the compute model only; the full model always partitions with the fixed one.
    public init(config: HardwareConfig = HardwareConfig(), model: CycleModel = .full, search: SplitSearch = .ratio,
                quirks: ReferenceQuirks = .none, mapper: MapperKind = .search, mapperOptions: MapperOptions = MapperOptions()) {
        self.config = config
        self.model = model
        self.search = search
        self.quirks = model == .compute ? quirks : .none
        mapperKind = mapper
        self.mapperOptions = mapperOptions
        self.mapper = model == .full && mapper == .search ? Mapper(config: config, options: mapperOptions) : nil
    }

    /// `groupSize` is M of an N:M trace (0 otherwise).
    public func simulate(_ layer: LayerWorkload, groupSize: Int = 0) -> LayerReport {
        let compute = ComputeModel(config: config, search: search, quirks: quirks).simulate(layer.mask, projection: layer.id.projection)
        var full: FullModelResult?
        if let mapper {
            full = mapper.simulate(layer.mask, projection: layer.id.projection, compute: compute,
                                   valueBits: layer.valueBits, groupSize: groupSize)
        } else if model == .full {
            full = FullModel(config: config).simulate(layer.mask, projection: layer.id.projection, compute: compute,
                                                      valueBits: layer.valueBits, groupSize: groupSize)
        }
        return LayerReport(id: layer.id, rows: layer.mask.rows, cols: layer.mask.cols, kept: layer.mask.nonzeroCount,
                           model: model, tokens: config.tokens, compute: compute, full: full)
    }
}
