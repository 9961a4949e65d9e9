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

/// Chooses the tiling of a layer: row tiles of PE-row groups doubled (64, 128, 256, ... rows, or all
/// rows), each with the largest token tile the output buffer allows, costed as
/// max(DRAM traffic / bandwidth, engine cycles) and the cheapest kept (ties: less traffic, then the
/// larger row tile). Engine cycles are estimated from the exact per-tile column counts: a row tile
/// too short leaves the sparse engine's PE lines half used (a column of 65 weights takes two passes
/// of 64 PEs), one too tall forces small token tiles and re-reads the weights.
struct Tiler {
    let config: HardwareConfig
    let segments: [Segment]
    let weightBytes: Double

    func choose(rows: Int, cols: Int, fine: RowTileCounts) -> (Tiling, RowTileCounts) {
        let tokens = config.tokens
        let maxRows = Tiling.maxRowTile(rows: rows, config: config)
        var factors: [Int] = []
        var factor = 1
        while factor * fine.tileRows <= maxRows {
            factors.append(factor)
            if factor * fine.tileRows >= rows { break }
            factor *= 2
        }
        if factors.isEmpty { factors = [1] }
        let inputBytes = Double(tokens * cols * config.activationBits) / 8
        var best: (cycles: Double, traffic: Double, tiling: Tiling, counts: RowTileCounts)?
        for factor in factors {
            let tiles = fine.coarsened(by: factor)
            let rowTile = min(rows, tiles.tileRows)
            let tokenTile = min(tokens, max(1, Tiling.accumulators(config) / rowTile))
            let traffic = weightBytes * Double(ceilDiv(tokens, tokenTile)) + inputBytes * Double(tiles.counts.count)
            let cycles = max(traffic / config.dramBytesPerCycle, Double(computePerToken(tiles) * tokens))
            if best == nil || cycles < best!.cycles || (cycles == best!.cycles && traffic <= best!.traffic) {
                best = (cycles, traffic, Tiling(tokenTile: tokenTile, rowTile: rowTile), tiles)
            }
        }
        return (best!.tiling, best!.counts)
    }

    /// Engine cycles per token with whole PE-column multiples of dense columns per step.
    private func computePerToken(_ tiles: RowTileCounts) -> Int {
        var total = 0
        for tile in tiles.counts.indices {
            let rows = tiles.rows(inTile: tile)
            for segment in segments {
                let dense = segment.denseColumns.isEmpty ? 0
                    : ceilDiv(rows, config.peRows) * ceilDiv(segment.denseColumns.count, segment.densePEColumns)
                var folds = 0
                for column in segment.sparseColumns { folds += ceilDiv(Int(tiles.counts[tile][column]), config.peRows) }
                let sparse = folds == 0 ? 0 : ceilDiv(folds, segment.sparsePEColumns)
                total += max(dense, sparse)
            }
        }
        return total
    }
}
