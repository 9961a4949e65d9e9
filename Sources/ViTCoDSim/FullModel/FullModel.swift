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
    /// How the run was mapped onto the array.
    public var mapping: Mapping
    public var tiling: Tiling { mapping.tiling }
    /// Useful MACs / (cycles × PEs).
    public var peUtilization: Double

    public var isMemoryBound: Bool { memoryCycles > computeCycles }
}

/// The full model's verdict on one layer.
public struct FullModelResult: Equatable, Sendable {
    public var tokens: Int
    public var sparse: FullRun
    public var dense: FullRun
    /// Present when the mapper chose the sparse run's mapping.
    public var search: MappingSearchReport?
    public var speedup: Double { Double(dense.cycles) / Double(sparse.cycles) }
}

/// What the full model needs of a layer's mask, computed once and shared by every mapping played
/// on it: kept weights per column, per column within each tile of `peRows` rows (coarsened on
/// demand for taller row tiles), and the N:M group structure.
final class LayerGeometry {
    let mask: KeepMask
    let counts: [Int]
    let fine: RowTileCounts
    /// M of an N:M trace (0 otherwise).
    let groupSize: Int
    private var coarse: [Int: RowTileCounts] = [:]
    private var partitions: [Int: PartitionCounts] = [:]
    private var cachedSlots: Int?

    /// Kept weights in the layer.
    let kept: Int

    init(mask: KeepMask, peRows: Int, groupSize: Int) {
        self.mask = mask
        counts = mask.columnCounts()
        kept = counts.reduce(0, +)
        fine = RowTileCounts(mask: mask, tileRows: peRows)
        self.groupSize = groupSize
    }

    /// A layer that keeps every weight (the dense baseline), counted without scanning a mask.
    init(unprunedRows rows: Int, cols: Int, peRows: Int) {
        mask = KeepMask(rows: rows, cols: cols)
        counts = [Int](repeating: rows, count: cols)
        kept = rows * cols
        fine = RowTileCounts(unprunedRows: rows, cols: cols, tileRows: peRows)
        groupSize = 0
    }

    var rows: Int { mask.rows }
    var cols: Int { mask.cols }

    /// The whole layer's columns in `Segment.fullestFirst` order.
    private(set) lazy var fullestFirst: [Int] = Segment.fullestFirst(0..<cols, counts: counts)

    /// Column counts per row tile of `rowTile` rows (a multiple of the fine tile, or all rows).
    func rowTiles(_ rowTile: Int) -> RowTileCounts {
        let factor = ceilDiv(min(rowTile, rows), fine.tileRows)
        if let tiles = coarse[factor] { return tiles }
        let tiles = fine.coarsened(by: factor)
        coarse[factor] = tiles
        return tiles
    }

    /// The sparse engine's share for each G choice at a row tile size. Every buffer share of a layer's
    /// mapspace asks for the same choices, so one entry per row tile serves them all.
    func partitionCounts(rowTile: Int, choices: [Int], peRows: Int) -> PartitionCounts {
        if let counts = partitions[rowTile], counts.choices == choices { return counts }
        let counts = PartitionCounts(layer: self, rowTile: rowTile, choices: choices, peRows: peRows)
        partitions[rowTile] = counts
        return counts
    }

    /// Kept positions the N:M datapath must hold per group: the most any row keeps in any aligned
    /// group of `groupSize` columns (nil unless the layer is cut into such groups).
    var structuredSlots: Int? {
        guard groupSize > 1, cols % groupSize == 0 else { return nil }
        if let cachedSlots { return cachedSlots }
        var slots = 0
        for row in 0..<rows {
            for group in stride(from: 0, to: cols, by: groupSize) {
                var kept = 0
                for column in group..<group + groupSize where mask[row, column] { kept += 1 }
                slots = max(slots, kept)
            }
            if slots == groupSize { break }
        }
        cachedSlots = slots
        return slots
    }
}

/// The cycle-level model with a memory system: a layer, under a given `Mapping`, is tiled to the
/// buffers and played step by step against the DRAM channel (`MemoryPipeline`), each step costed
/// on the engines' PE lines with the real per-column counts of kept weights (`DenseEngine`,
/// `SparseEngine`).
///
/// `simulate` is the fixed mapping: the dense/sparse partition and PE split of the (fixed) compute
/// model, lines along rows, the `Tiler`'s tile sizes, nothing kept on chip across blocks, the
/// config's sparse format. The dense baseline is the same machinery with every column on the dense
/// engine and weights stored as plain values. `Mapper` searches the mappings instead.
public struct FullModel: Sendable {
    public var config: HardwareConfig

    public init(config: HardwareConfig = HardwareConfig()) { self.config = config }

    /// `valueBits` overrides the config's weight width for the sparse run (quantized layers); the
    /// dense baseline stays the uncompressed model at the config's width, so a speedup says how
    /// much faster the compressed layer runs than the original. `groupSize` is M of an N:M trace
    /// (needed by the `nm` format).
    public func simulate(_ mask: KeepMask, projection: Projection, compute: ComputeModelResult,
                         valueBits: Int? = nil, groupSize: Int = 0) -> FullModelResult {
        let layer = LayerGeometry(mask: mask, peRows: config.peRows, groupSize: groupSize)
        let tiles = ComputeModel.columnTiles(rows: mask.rows, cols: mask.cols, projection: projection)
        let sparse = fixedMapping(layer, partitions: zip(tiles, compute.tiles).map {
            ColumnPartition(columns: $0, denseColumns: $1.denseColumns, densePEColumns: $1.densePEColumns)
        })
        let dense = fixedMapping(layer, partitions: tiles.map {
            ColumnPartition(columns: $0, denseColumns: $0.count, densePEColumns: config.peColumns)
        })
        return FullModelResult(tokens: config.tokens,
                               sparse: play(sparse, on: layer, valueBits: valueBits ?? config.valueBits),
                               dense: play(dense, on: layer, valueBits: config.valueBits, baseline: true))
    }

    /// The fixed mapping of a partition: tiles from the `Tiler`, lines along rows, streaming.
    func fixedMapping(_ layer: LayerGeometry, partitions: [ColumnPartition]) -> Mapping {
        let segments = partitions.map { Segment($0, counts: layer.counts, peColumns: config.peColumns) }
        let (tiling, _) = Tiler(config: config, segments: segments, groupSize: layer.groupSize)
            .choose(rows: layer.rows, cols: layer.cols, fine: layer.fine)
        return Mapping(partitions: partitions, rowTile: tiling.rowTile, tokenTile: tiling.tokenTile, format: config.sparseFormat)
    }

    /// Per-token cycles of the engine split with no rounding: Σ over segments of the slower engine.
    func splitBound(_ segments: [Segment], counts: [Int], rows: Int) -> Double {
        segments.reduce(0) { total, segment in
            let dense = segment.densePEColumns > 0
                ? Double(rows * segment.denseEngineColumns) / Double(segment.densePEColumns * config.peRows) : 0
            let sparseKept = segment.sparseColumns.reduce(0) { $0 + counts[$1] }
            let sparse = segment.sparsePEColumns > 0
                ? Double(sparseKept) / Double(segment.sparsePEColumns * config.peRows) : 0
            return total + max(dense, sparse)
        }
    }

    /// Plays `mapping` on the layer cycle by cycle; `baseline` plays it as the unpruned layer.
    func play(_ mapping: Mapping, on layer: LayerGeometry, valueBits: Int, baseline: Bool = false) -> FullRun {
        if mapping.bufferShare != 1 {
            var run = FullModel(config: config.scalingBuffers(by: mapping.bufferShare))
                .play(mapping.withFullBuffers, on: layer, valueBits: valueBits, baseline: baseline)
            run.mapping = mapping
            return run
        }
        let tokens = config.tokens
        let segments: [Segment]
        if mapping.structured, let slots = layer.structuredSlots {
            segments = [Segment(structured: 0..<layer.cols, groupSize: layer.groupSize, slots: slots, peColumns: config.peColumns)]
        } else {
            precondition(!mapping.structured, "the N:M datapath needs an N:M layer")
            segments = mapping.partitions.map { Segment($0, counts: layer.counts, peColumns: config.peColumns) }
        }
        let format = mapping.structured ? SparseFormat.nm
            : segments.allSatisfy({ $0.sparseColumns.isEmpty }) ? SparseFormat.bitmap : mapping.format
        let planner = StepPlanner(config: config, valueBits: valueBits, format: format, totalRows: layer.rows,
                                  groupSize: layer.groupSize, denseLines: mapping.denseLines, sparseLines: mapping.sparseLines)
        let rowTiles = layer.rowTiles(mapping.rowTile)
        let rowTileCount = rowTiles.counts.count
        let activationBytes = Double(config.activationBits) / 8

        // Steps depend on the token tile through the input-buffer bound and the engines' cycles;
        // plan once per size.
        let tokenTiles = stride(from: 0, to: tokens, by: mapping.tokenTile).map { min(mapping.tokenTile, tokens - $0) }
        var plans: [Int: [[[Step]]]] = [:]  // token tile → row tile → segment → steps
        for size in Set(tokenTiles) {
            plans[size] = (0..<rowTileCount).map { tile in
                let rows = rowTiles.rows(inTile: tile)
                return segments.map { planner.steps(segment: $0, counts: rowTiles.counts[tile], rows: rows, tokenTile: size) }
            }
        }

        // What stays on chip across blocks.
        let inputsStay = mapping.loopOrder == .inputsStay
            && Double(mapping.tokenTile * layer.cols) * activationBytes <= config.inputBufferKiB * 1024
        let weightsStay: [Bool] = plans[tokenTiles[0]]!.map { tile in
            guard mapping.loopOrder == .weightsStay else { return false }
            let steps = tile.joined()
            return steps.reduce(0) { $0 + $1.valueBytes } <= config.weightBufferKiB * 1024
                && steps.reduce(0) { $0 + $1.metadataBytes } <= config.indexBufferKiB * 1024
        }
        let blocks: [(tokenTile: Int, rowTile: Int)] = mapping.loopOrder.rowTilesOuter
            ? (0..<rowTileCount).flatMap { tile in tokenTiles.indices.map { ($0, tile) } }
            : tokenTiles.indices.flatMap { tokenIndex in (0..<rowTileCount).map { (tokenIndex, $0) } }

        // The real machine, and the same schedule with infinite bandwidth (engines alone).
        var pipeline = MemoryPipeline(bytesPerCycle: config.dramBytesPerCycle)
        var engines = MemoryPipeline(bytesPerCycle: .infinity)
        var traffic = TrafficBytes()
        for (index, block) in blocks.enumerated() {
            let tokenTile = tokenTiles[block.tokenTile]
            let loadInputs = !(inputsStay && block.rowTile > 0)
            let loadWeights = !(weightsStay[block.rowTile] && block.tokenTile > 0)
            for (segmentIndex, segmentSteps) in plans[tokenTile]![block.rowTile].enumerated() {
                if segments.count > 1 || index == 0 {
                    pipeline.reconfigure(sparseLines: segments[segmentIndex].sparsePEColumns)
                    engines.reconfigure(sparseLines: segments[segmentIndex].sparsePEColumns)
                }
                for step in segmentSteps {
                    let inputs = loadInputs ? Double(tokenTile * step.inputColumns) * activationBytes : 0
                    let values = loadWeights ? step.valueBytes : 0, metadata = loadWeights ? step.metadataBytes : 0
                    traffic.weightValues += values
                    traffic.weightMetadata += metadata
                    traffic.inputs += inputs
                    pipeline.run(step, loading: values + metadata + inputs)
                    engines.run(step, loading: 0)
                }
            }
            let outputs = Double(tokenTile * rowTiles.rows(inTile: block.rowTile)) * activationBytes
            traffic.outputs += outputs
            pipeline.writeBack(bytes: outputs)
            engines.writeBack(bytes: outputs)
        }
        let cycles = pipeline.finish()
        let computeCycles = engines.finish()
        // The dense baseline counts every MAC as useful: it is the unpruned layer.
        let usefulMACs = baseline ? layer.mask.count : layer.kept
        let peak = ceilDiv(usefulMACs * tokens, config.totalPEs)
        let split = Int((splitBound(segments, counts: layer.counts, rows: layer.rows) * Double(tokens)).rounded(.up))
        return FullRun(
            cycles: cycles, computeCycles: computeCycles, memoryCycles: Int(pipeline.channelBusy.rounded(.up)),
            traffic: traffic,
            ladder: BoundLadder(peak: peak, engineSplit: split, mapping: engines.engines.mappingBound,
                                imbalance: computeCycles, bandwidth: cycles),
            mapping: mapping,
            peUtilization: cycles > 0 ? Double(usefulMACs) * Double(tokens) / (Double(cycles) * Double(config.totalPEs)) : 0)
    }
}
