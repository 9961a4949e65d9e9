import Traces

/// What the compute-only model says about one layer, per token (one matrix-vector product).
public struct ComputeModelResult: Equatable, Sendable {
    /// One split per column tile (down_proj is cut into C_out-wide tiles; other layers are one tile).
    public var tiles: [EngineSplit]
    /// Cycles of the sparse layer: the tiles run one after another.
    public var cycles: Int { tiles.reduce(0) { $0 + $1.cycles } }
    /// Cycles of the same layer run dense on the same array.
    public var denseCycles: Int

    /// Dense cycles over sparse cycles (infinite when the layer has no kept weight).
    public var speedup: Double { Double(denseCycles) / Double(cycles) }
}

/// The compute-only cycle model of BESA's `hw_sim` (ViTCoD's dense/sparse engine split applied to a
/// weight matrix), with the reference's slips fixed unless `quirks` switches them back on.
///
/// One token: y = W x with W of C_out × C_in = N × K. Input columns of W with many kept weights go to
/// the dense engine, which multiplies them whole (zeros included: N MACs per column); the rest go to
/// the sparse engine, which spends one MAC per kept weight. The array's PE columns are shared between
/// the engines in proportion to their work, and the slower engine sets the layer's time.
public struct ComputeModel: Sendable {
    public var config: HardwareConfig
    public var search: SplitSearch
    public var quirks: ReferenceQuirks

    public init(config: HardwareConfig = HardwareConfig(), search: SplitSearch = .ratio, quirks: ReferenceQuirks = .none) {
        self.config = config
        self.search = search
        self.quirks = quirks
    }

    public func simulate(_ mask: KeepMask, projection: Projection) -> ComputeModelResult {
        let tiles = Self.columnTiles(rows: mask.rows, cols: mask.cols, projection: projection)
        let counts = mask.columnCounts()
        let splits = tiles.map { tile -> EngineSplit in
            let tileCounts = Array(counts[tile])
            switch search {
            case .ratio:
                let tileMask = quirks.contains(.labelMerging) ? mask.columns(tile) : nil
                return ratioSearch(counts: tileCounts, rows: mask.rows, tileMask: tileMask)
            case .best:
                return bestSearch(counts: tileCounts, rows: mask.rows)
            }
        }
        return ComputeModelResult(tiles: splits, denseCycles: denseCycles(rows: mask.rows, cols: mask.cols, tiles: tiles))
    }

    /// down_proj (C_in > C_out) is cut into C_out-wide column tiles, each split on its own, as in the
    /// reference; every other layer is one tile.
    public static func columnTiles(rows: Int, cols: Int, projection: Projection) -> [Range<Int>] {
        guard projection == .down, cols > rows else { return [0..<cols] }
        return stride(from: 0, to: cols, by: rows).map { $0..<min(cols, $0 + rows) }
    }

    /// The same layer dense: every PE busy, N·K MACs (reference slip: K·K per tile).
    func denseCycles(rows: Int, cols: Int, tiles: [Range<Int>]) -> Int {
        if quirks.contains(.inputWidthDenseWork) {
            return tiles.reduce(0) { $0 + ceilDiv($1.count * $1.count, config.totalPEs) }
        }
        return ceilDiv(rows * cols, config.totalPEs)
    }

    // MARK: - Splitting

    /// Tries every number G of dense columns (the G fullest columns) and keeps the fastest split.
    /// The fewest dense columns win a tie. For a given G, pruning a weight cannot raise the sparse
    /// remainder and the PE split is the better rounding of the proportional one, so the best
    /// cycle count can only fall when a weight is pruned.
    func bestSearch(counts: [Int], rows: Int) -> EngineSplit {
        let fullestFirst = counts.sorted(by: >)
        let kept = counts.reduce(0, +)
        var best = split(denseColumns: 0, denseKept: 0, totalKept: kept, rows: rows, cols: counts.count)
        var denseKept = 0
        for (index, count) in fullestFirst.enumerated() where count > 0 {
            denseKept += count
            let candidate = split(denseColumns: index + 1, denseKept: denseKept, totalKept: kept, rows: rows, cols: counts.count)
            if candidate.cycles < best.cycles { best = candidate }
        }
        return best
    }

    /// The reference's threshold search: at most five evaluations, r starting at 0.5.
    func ratioSearch(counts: [Int], rows: Int, tileMask: KeepMask?) -> EngineSplit {
        let kept = counts.reduce(0, +)
        var ratio = 0.5, tenths = 5
        var tries = 0
        var best: EngineSplit?
        while true {
            let denseIndices: [Int]
            if quirks.contains(.float32Threshold) {
                let threshold = Float(ratio * Double(rows))
                denseIndices = counts.indices.filter { Float(counts[$0]) > threshold }
            } else {
                denseIndices = counts.indices.filter { counts[$0] * 10 > tenths * rows }
            }
            let denseKept = denseIndices.reduce(0) { $0 + counts[$1] }
            let sparseKept = tileMask.map {
                ReferenceRelabel.sparseKeptAfterRelabel(mask: $0, denseColumns: denseIndices)
            } ?? kept - denseKept
            let candidate = split(denseColumns: denseIndices.count, denseKept: denseKept, sparseKept: sparseKept,
                                  rows: rows, cols: counts.count)
            if best == nil || candidate.cycles < best!.cycles { best = candidate }
            // The reference divides by the kept count here (and crashes on an empty layer).
            guard kept > 0 else { break }
            let denseShare = Double(denseKept) / Double(kept)
            if denseShare >= 0.6 {
                ratio += 0.1
                tenths += 1
            } else if denseShare <= 0.4 {
                ratio -= 0.1
                tenths -= 1
            } else {
                break
            }
            tries += 1
            if tries == 5 { break }
        }
        return best!
    }

    func split(denseColumns: Int, denseKept: Int, totalKept: Int, rows: Int, cols: Int) -> EngineSplit {
        split(denseColumns: denseColumns, denseKept: denseKept, sparseKept: totalKept - denseKept, rows: rows, cols: cols)
    }

    /// Costs a split: PE columns in proportion to work (the dense share counted as N·G, as in the
    /// reference), then each engine's cycles.
    func split(denseColumns: Int, denseKept: Int, sparseKept: Int, rows: Int, cols: Int) -> EngineSplit {
        let shareWork = rows * denseColumns
        let denseWork = quirks.contains(.inputWidthDenseWork) ? cols * denseColumns : shareWork
        let columns = config.peColumns, peRows = config.peRows

        func cost(_ densePE: Int) -> EngineSplit {
            let sparsePE = columns - densePE
            return EngineSplit(
                denseColumns: denseColumns, denseKept: denseKept, sparseKept: sparseKept,
                densePEColumns: densePE, sparsePEColumns: sparsePE, denseWork: denseWork,
                denseCycles: densePE > 0 ? ceilDiv(denseWork, densePE * peRows) : 0,
                sparseCycles: sparsePE > 0 ? ceilDiv(sparseKept, sparsePE * peRows) : sparseKept)
        }

        if quirks.contains(.floorPESplit) {
            let total = sparseKept + shareWork
            let share = total > 0 ? Double(shareWork) / Double(total) : 0
            return cost(Int(Double(columns) * share))
        }
        if shareWork == 0 { return cost(0) }
        if sparseKept == 0 { return cost(columns) }
        let proportional = Double(columns) * Double(shareWork) / Double(sparseKept + shareWork)
        let low = min(max(Int(proportional.rounded(.down)), 1), columns - 1)
        let high = min(max(Int(proportional.rounded(.up)), 1), columns - 1)
        let lowCost = cost(low), highCost = cost(high)
        return highCost.cycles < lowCost.cycles ? highCost : lowCost
    }
}
