/// How a layer's GEMM Y[M × N] = X[M × K] · Wᵀ is cut to fit the on-chip buffers.
///
/// Loop order: token tiles (Mt) outermost, then output-row tiles (Nt), then steps along K. A
/// (token tile, row tile) block keeps its Mt × Nt partial sums in the output buffer (half of it: the
/// other half drains the previous block); each step brings in the inputs and weights of a few
/// columns (half of each buffer: double buffering). So weights are read once per token tile, inputs
/// once per row tile.
public struct Tiling: Equatable, Sendable {
    public var tokenTile: Int
    public var rowTile: Int

    /// The largest row tile the buffers allow: its partial sums for one token fit half the output
    /// buffer, one of its dense columns half the weight buffer, its bitmap column half the index buffer.
    static func maxRowTile(rows: Int, config: HardwareConfig) -> Int {
        let columnLimit = Int(config.weightBufferKiB * 1024 / 2) * 8 / config.valueBits
        let bitmapLimit = Int(config.indexBufferKiB * 1024 / 2) * 8
        return max(1, min(rows, accumulators(config), columnLimit, bitmapLimit))
    }

    /// Partial sums that fit half the output buffer.
    static func accumulators(_ config: HardwareConfig) -> Int {
        max(1, Int(config.outputBufferKiB * 1024 / 2) * 8 / config.accumulatorBits)
    }
}

/// Chooses the tiling of a layer: row tiles of PE-row groups doubled (64, 128, 256, ... rows),
/// each with the largest token tile the output buffer allows, and keeps the one with the fewest
/// estimated cycles (ties: less traffic, then the smaller row tile). The estimate sums, over row
/// tiles, the larger of the tile's DRAM time and its engine time, both from the tile's exact column
/// counts: a row tile too short leaves the sparse lines half used (a column of 65 weights takes two
/// passes of 64 PEs); one too tall forces small token tiles (weights re-read per token tile) and
/// fits few columns per step.
struct Tiler {
    let config: HardwareConfig
    let segments: [Segment]
    /// M of an N:M trace, for the `nm` format's metadata.
    let groupSize: Int

    func choose(rows: Int, cols: Int, fine: RowTileCounts) -> (Tiling, RowTileCounts) {
        let maxRows = Tiling.maxRowTile(rows: rows, config: config)
        var factors: [Int] = []
        var factor = 1
        while factor * fine.tileRows <= maxRows {
            factors.append(factor)
            if factor * fine.tileRows >= rows { break }
            factor *= 2
        }
        if factors.isEmpty { factors = [1] }
        var best: (cycles: Double, traffic: Double, tiling: Tiling, counts: RowTileCounts)?
        for factor in factors {
            let tiles = fine.coarsened(by: factor)
            let rowTile = min(rows, tiles.tileRows)
            let tokenTile = min(config.tokens, max(1, Tiling.accumulators(config) / rowTile))
            let (cycles, traffic) = estimate(tiles, cols: cols, tokenTile: tokenTile)
            if best == nil || cycles < best!.cycles || (cycles == best!.cycles && traffic < best!.traffic) {
                best = (cycles, traffic, Tiling(tokenTile: tokenTile, rowTile: rowTile), tiles)
            }
        }
        return (best!.tiling, best!.counts)
    }

    /// Σ over row tiles of max(DRAM cycles, engine cycles), and the total traffic.
    ///
    /// What a step can hold limits how many PE columns an engine can use: a dense column of 11 008
    /// fp16 rows fills half of a 53 KiB weight buffer on its own, so a tall row tile leaves the dense
    /// engine one column wide; the sparse lines can only work on the columns of the (at most two)
    /// steps on chip.
    private func estimate(_ tiles: RowTileCounts, cols: Int, tokenTile: Int) -> (cycles: Double, traffic: Double) {
        let tokens = config.tokens
        let halfWeightBits = Int(config.weightBufferKiB * 1024 / 2 * 8)
        let halfIndexBits = Int(config.indexBufferKiB * 1024 / 2 * 8)
        let columnsByInputs = max(1, Int(config.inputBufferKiB * 1024 / 2 * 8) / (tokenTile * config.activationBits))
        let weightReads = Double(ceilDiv(tokens, tokenTile))
        let inputBytes = Double(tokens * cols * config.activationBits) / 8
        var cycles = 0.0, traffic = 0.0
        for tile in tiles.counts.indices {
            let rows = tiles.rows(inTile: tile)
            var compute = 0, weightBits = 0
            for segment in segments {
                var dense = 0
                if !segment.denseColumns.isEmpty {
                    let perStep = min(segment.densePEColumns, columnsByInputs, max(1, halfWeightBits / (rows * config.valueBits)))
                    dense = ceilDiv(rows, config.peRows) * ceilDiv(segment.denseColumns.count, perStep)
                    weightBits += rows * segment.denseColumns.count * config.valueBits
                }
                var folds = 0, kept = 0
                for column in segment.sparseColumns {
                    let count = Int(tiles.counts[tile][column])
                    folds += ceilDiv(count, config.peRows)
                    kept += count
                }
                var sparse = 0
                if !segment.sparseColumns.isEmpty {
                    let columns = segment.sparseColumns.count
                    let metadataBits = config.sparseFormat.metadataBits(
                        rows: rows, columns: columns, kept: kept, totalRows: tiles.totalRows,
                        groupSize: groupSize, pointerBits: config.pointerBits)
                    weightBits += kept * config.valueBits + metadataBits
                    if folds > 0 {
                        let perStep = min(columnsByInputs, max(1, halfWeightBits / max(1, kept * config.valueBits / columns)),
                                          max(1, halfIndexBits / max(1, metadataBits / columns)))
                        sparse = ceilDiv(folds, min(segment.sparsePEColumns, 2 * perStep))
                    }
                }
                compute += max(dense, sparse)
            }
            let tileTraffic = Double(weightBits) / 8 * weightReads + inputBytes
            traffic += tileTraffic
            cycles += max(tileTraffic / config.dramBytesPerCycle, Double(compute * tokens))
        }
        return (cycles, traffic)
    }
}
