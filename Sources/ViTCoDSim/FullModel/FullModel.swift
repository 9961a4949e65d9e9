import Traces

/// Bytes a layer run moves between DRAM and the chip, by kind.
public struct TrafficBytes: Equatable, Sendable, Codable {
    public var weightValues = 0.0
    public var weightMetadata = 0.0
    public var inputs = 0.0
    public var outputs = 0.0
    public var total: Double { weightValues + weightMetadata + inputs + outputs }
}

/// An Eyexam-style ladder: the layer's cycles as each effect is added on top of the previous one,
/// so the cost of each shows on its own.
public struct BoundLadder: Equatable, Sendable, Codable {
    /// Useful MACs (kept weights × tokens) over all PEs.
    public var peak: Int
    /// + the engine split: the dense engine also multiplies the zeros of its columns, and the PE
    /// columns are divided between the engines.
    public var engineSplit: Int
    /// + mapping onto the array: row tiles over PE rows and columns over PE columns round up
    /// (fold), per step and per token tile.
    public var mapping: Int
    /// + load imbalance between the sparse engine's lines.
    public var imbalance: Int
    /// + the memory system: DRAM bandwidth, buffer sizes, double buffering. The layer's cycles.
    public var bandwidth: Int
}

/// One run (the sparse layer, or the same layer dense) through the full model.
public struct FullRun: Equatable, Sendable {
    public var cycles: Int
    /// Engine-busy cycles (no memory stalls) and channel-busy cycles.
    public var computeCycles: Int
    public var memoryCycles: Int
    public var traffic: TrafficBytes
    public var ladder: BoundLadder
    public var tiling: Tiling
    /// Useful MACs / (cycles × PEs).
    public var peUtilisation: Double

    public var isMemoryBound: Bool { memoryCycles > computeCycles }
}

/// The full model's verdict on one layer.
public struct FullModelResult: Equatable, Sendable {
    public var tokens: Int
    public var sparse: FullRun
    public var dense: FullRun
    public var speedup: Double { Double(dense.cycles) / Double(sparse.cycles) }
}

/// The cycle-level model with a memory system: the layer is tiled to the buffers and played step by
/// step against the DRAM channel (`MemoryPipeline`), each step costed on the engines' PE lines with
/// the real per-column counts of kept weights (`DenseEngine`, `SparseEngine`). The dense/sparse
/// partition and PE split come from the (fixed) compute model. The dense baseline is the same
/// machinery with every column on the dense engine and weights stored as plain values.
public struct FullModel: Sendable {
    public var config: HardwareConfig

    public init(config: HardwareConfig = HardwareConfig()) { self.config = config }

    /// `valueBits` overrides the config's weight width for the sparse run (quantised layers); the
    /// dense baseline stays the uncompressed model at the config's width, so a speedup says how
    /// much faster the compressed layer runs than the original. `groupSize` is M of an N:M trace
    /// (needed by the `nm` format).
    public func simulate(_ mask: KeepMask, projection: Projection, compute: ComputeModelResult,
                         valueBits: Int? = nil, groupSize: Int = 0) -> FullModelResult {
        let tiles = ComputeModel.columnTiles(rows: mask.rows, cols: mask.cols, projection: projection)
        let counts = mask.columnCounts()
        let sparseSegments = zip(tiles, compute.tiles).map { Segment(columns: $0, counts: counts, split: $1) }
        let denseSegments = tiles.map { Segment(allDense: $0, peColumns: config.peColumns) }
        let bits = valueBits ?? config.valueBits
        let kept = mask.nonzeroCount
        let sparse = run(mask: mask, segments: sparseSegments, valueBits: bits, groupSize: groupSize,
                         usefulMACs: kept, splitBound: splitBound(compute.tiles, rows: mask.rows))
        let dense = run(mask: mask, segments: denseSegments, valueBits: config.valueBits, groupSize: groupSize,
                        usefulMACs: mask.count, splitBound: Double(mask.count) / Double(config.totalPEs))
        return FullModelResult(tokens: config.tokens, sparse: sparse, dense: dense)
    }

    /// Per-token cycles of the engine split with no rounding: Σ over tiles of the slower engine.
    func splitBound(_ splits: [EngineSplit], rows: Int) -> Double {
        splits.reduce(0) { total, split in
            let dense = split.densePEColumns > 0
                ? Double(rows * split.denseColumns) / Double(split.densePEColumns * config.peRows) : 0
            let sparse = split.sparsePEColumns > 0
                ? Double(split.sparseKept) / Double(split.sparsePEColumns * config.peRows) : 0
            return total + max(dense, sparse)
        }
    }

    private func run(mask: KeepMask, segments: [Segment], valueBits: Int, groupSize: Int,
                     usefulMACs: Int, splitBound: Double) -> FullRun {
        let tokens = config.tokens
        let format = segments.allSatisfy({ $0.sparseColumns.isEmpty }) ? SparseFormat.bitmap : config.sparseFormat
        let planner = StepPlanner(config: config, valueBits: valueBits, format: format,
                                  totalRows: mask.rows, groupSize: groupSize)
        let fine = RowTileCounts(mask: mask, tileRows: config.peRows)
        let (tiling, rowTiles) = Tiler(config: config, segments: segments, groupSize: groupSize)
            .choose(rows: mask.rows, cols: mask.cols, fine: fine)
        let rowTileCount = rowTiles.counts.count
        let activationBytes = Double(config.activationBits) / 8

        // Steps depend on the token tile only through the input-buffer bound; plan once per size.
        let tokenTiles = stride(from: 0, to: tokens, by: tiling.tokenTile).map { min(tiling.tokenTile, tokens - $0) }
        var plans: [Int: [[[Step]]]] = [:]  // token tile → row tile → segment → steps
        for size in Set(tokenTiles) {
            plans[size] = (0..<rowTileCount).map { tile in
                let rows = rowTiles.rows(inTile: tile)
                return segments.map { planner.steps(segment: $0, counts: rowTiles.counts[tile], rows: rows, tokenTile: size) }
            }
        }

        // The real machine, and the same schedule with infinite bandwidth (engines alone).
        var pipeline = MemoryPipeline(bytesPerCycle: config.dramBytesPerCycle)
        var engines = MemoryPipeline(bytesPerCycle: .infinity)
        var traffic = TrafficBytes()
        for tokenTile in tokenTiles {
            for (tile, steps) in plans[tokenTile]!.enumerated() {
                for (segmentIndex, segmentSteps) in steps.enumerated() {
                    if segments.count > 1 || (tokenTile == tokenTiles[0] && tile == 0) {
                        pipeline.reconfigure(sparseLines: segments[segmentIndex].sparsePEColumns)
                        engines.reconfigure(sparseLines: segments[segmentIndex].sparsePEColumns)
                    }
                    for step in segmentSteps {
                        let inputs = Double(tokenTile * step.inputColumns) * activationBytes
                        traffic.weightValues += step.valueBytes
                        traffic.weightMetadata += step.metadataBytes
                        traffic.inputs += inputs
                        pipeline.run(step, loading: step.valueBytes + step.metadataBytes + inputs, tokens: tokenTile)
                        engines.run(step, loading: 0, tokens: tokenTile)
                    }
                }
                let outputs = Double(tokenTile * rowTiles.rows(inTile: tile)) * activationBytes
                traffic.outputs += outputs
                pipeline.writeBack(bytes: outputs)
                engines.writeBack(bytes: outputs)
            }
        }
        let cycles = pipeline.finish()
        let computeCycles = engines.finish()
        let peak = ceilDiv(usefulMACs * tokens, config.totalPEs)
        let split = Int((splitBound * Double(tokens)).rounded(.up))
        return FullRun(
            cycles: cycles, computeCycles: computeCycles, memoryCycles: Int(pipeline.channelBusy.rounded(.up)),
            traffic: traffic,
            ladder: BoundLadder(peak: peak, engineSplit: split, mapping: engines.engines.mappingBound,
                                imbalance: computeCycles, bandwidth: cycles),
            tiling: tiling,
            peUtilisation: cycles > 0 ? Double(usefulMACs) * Double(tokens) / (Double(cycles) * Double(config.totalPEs)) : 0)
    }
}
