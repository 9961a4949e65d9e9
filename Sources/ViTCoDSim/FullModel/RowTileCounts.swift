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
        let tiles = ceilDiv(mask.rows, tileRows)
        var counts = [[Int32]](repeating: [Int32](repeating: 0, count: mask.cols), count: tiles)
        mask.packed.withUnsafeBufferPointer { bytes in
            for tile in 0..<tiles {
                counts[tile].withUnsafeMutableBufferPointer { tileCounts in
                    for row in tile * tileRows..<min(mask.rows, (tile + 1) * tileRows) {
                        let start = row * mask.bytesPerRow
                        for byteIndex in 0..<mask.bytesPerRow {
                            var byte = bytes[start + byteIndex]
                            while byte != 0 {
                                let bit = byte.leadingZeroBitCount
                                tileCounts[byteIndex * 8 + bit] += 1
                                byte &= ~(0x80 >> UInt8(bit))
                            }
                        }
                    }
                }
            }
        }
        self.counts = counts
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
            for tile in first + 1..<min(counts.count, first + factor) {
                for column in 0..<cols { sum[column] += counts[tile][column] }
            }
            return sum
        }
        return RowTileCounts(tileRows: tileRows * factor, totalRows: totalRows, counts: merged)
    }

    func rows(inTile tile: Int) -> Int {
        min(totalRows, (tile + 1) * tileRows) - tile * tileRows
    }
}
