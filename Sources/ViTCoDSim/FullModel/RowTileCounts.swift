import Traces

/// Kept weights per column within each tile of `tileRows` consecutive output rows: what the engines
/// and the sparse format see of one row tile.
struct RowTileCounts {
    let tileRows: Int
    /// `counts[tile][column]`.
    let counts: [[Int32]]

    init(mask: KeepMask, tileRows: Int) {
        self.tileRows = tileRows
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

    func rows(inTile tile: Int, totalRows: Int) -> Int {
        min(totalRows, (tile + 1) * tileRows) - tile * tileRows
    }
}
