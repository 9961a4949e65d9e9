import Traces

/// Kept weights per column within each tile of consecutive output rows: what the engines and the
/// sparse format see of one row tile. Built once at the finest tile (one PE-row group) and summed
/// up into coarser tiles, so the tiler can cost several row-tile sizes cheaply.
struct RowTileCounts {
    let tileRows: Int
    let totalRows: Int
    /// `counts[tile][column]`.
    let counts: [[Int32]]

    init(mask: KeepMask, tileRows: Int) {
        self.tileRows = tileRows
        totalRows = mask.rows
        counts = (0..<ceilDiv(mask.rows, tileRows)).map { tile in
            mask.columnCounts(rows: tile * tileRows..<min(mask.rows, (tile + 1) * tileRows)).map { Int32($0) }
        }
    }

    /// The tiles of a mask that keeps everything.
    init(unprunedRows rows: Int, cols: Int, tileRows: Int) {
        self.tileRows = tileRows
        totalRows = rows
        counts = (0..<ceilDiv(rows, tileRows)).map { tile in
            [Int32](repeating: Int32(min(rows, (tile + 1) * tileRows) - tile * tileRows), count: cols)
        }
    }

    private init(tileRows: Int, totalRows: Int, counts: [[Int32]]) {
        self.tileRows = tileRows
        self.totalRows = totalRows
        self.counts = counts
    }

    /// Tiles of `factor` consecutive tiles of this one.
    func coarsened(by factor: Int) -> RowTileCounts {
        guard factor > 1 else { return self }
        let cols = counts.first?.count ?? 0
        let merged = stride(from: 0, to: counts.count, by: factor).map { first -> [Int32] in
            var sum = counts[first]
            sum.withUnsafeMutableBufferPointer { total in
                for tile in first + 1..<min(counts.count, first + factor) {
                    counts[tile].withUnsafeBufferPointer { part in
                        for column in 0..<cols { total[column] += part[column] }
                    }
                }
            }
            return sum
        }
        return RowTileCounts(tileRows: tileRows * factor, totalRows: totalRows, counts: merged)
    }

    func rows(inTile tile: Int) -> Int {
        min(totalRows, (tile + 1) * tileRows) - tile * tileRows
    }
}
