/// The mappings the mapper considers for one layer, as a product of per-dimension choices, each
/// pruned only of choices that cannot run (tiles that overflow a buffer) or that repeat another
/// (a line dimension for an engine with no columns).
///
/// - Partition: the G fullest columns on the dense engine, for G in a grid from none to all (every
///   sixteenth of C_in, the columns denser than 50, 60, 70, 80 and 90%, and the fixed mapping's G),
///   each with the PE split that balances the engines' fold-aware bounds; or, with
///   `HardwareConfig.nmDatapath` and an N:M mask, the N:M datapath.
/// - Each engine's lines along rows or tokens.
/// - Row tiles: multiples of `peRows` (the smallest for each number of row tiles), up to what one
///   column of the weight and index buffers holds. Token tiles: every size that gives a distinct
///   number of token tiles, with Mt × Nt partial sums in half the output buffer.
/// - Loop order: streaming; inputs kept (when a token tile's inputs fit); weights kept (when some
///   row tile's weights fit).
/// - Sparse format: bitmap, CSC, and N:M for N:M traces.
struct Mapspace {
    let config: HardwareConfig
    let layer: LayerGeometry
    let valueBits: Int
    /// Column counts of the partition grid.
    let denseColumnChoices: [Int]
    let rowTiles: [Int]
    let formats: [SparseFormat]
    let structured: Bool

    init(config: HardwareConfig, layer: LayerGeometry, valueBits: Int, formats: [SparseFormat]?, extraDenseColumns: [Int],
         allDenseOnly: Bool) {
        self.config = config
        self.layer = layer
        self.valueBits = valueBits
        let cols = layer.cols, rows = layer.rows
        if allDenseOnly {
            denseColumnChoices = [cols]
        } else {
            var choices = Set([0, cols] + extraDenseColumns.filter { (0...cols).contains($0) })
            for sixteenth in 1..<16 { choices.insert(cols * sixteenth / 16) }
            for tenths in 5...9 { choices.insert(layer.counts.lazy.filter { $0 * 10 > tenths * rows }.count) }
            denseColumnChoices = choices.sorted()
        }
        structured = !allDenseOnly && config.nmDatapath && layer.structuredSlots.map { $0 < layer.groupSize } == true
        self.formats = formats ?? (layer.groupSize > 0 ? [.bitmap, .csc, .nm] : [.bitmap, .csc])

        // Row tiles: the buffers must hold one column of the tile (values, bitmap or CSC indices).
        let halfWeightBits = config.weightBufferKiB * 1024 / 2 * 8
        let halfIndexBits = config.indexBufferKiB * 1024 / 2 * 8
        let indexBitsPerRow = allDenseOnly ? 0 : Double(max(1, SparseFormat.bitsToIndex(rows)))
        var tiles: [Int] = []
        var lastCount = Int.max
        let fine = config.peRows
        for factor in 1...ceilDiv(rows, fine) {
            let tile = min(rows, factor * fine)
            let columnBits = Double(tile * max(valueBits, config.valueBits))
            if columnBits > halfWeightBits || Double(tile) * indexBitsPerRow + Double(config.pointerBits) > halfIndexBits { break }
            if tile > Tiling.accumulators(config) { break }
            let count = ceilDiv(rows, tile)
            if count < lastCount { tiles.append(tile) }
            lastCount = count
        }
        rowTiles = tiles.isEmpty ? [1] : tiles
    }

    /// Token tiles for a row tile: every Mt = ceil(M / n) that fits the output buffer's half.
    func tokenTiles(rowTile: Int) -> [Int] {
        let tokens = config.tokens
        let most = min(tokens, max(1, Tiling.accumulators(config) / rowTile))
        var sizes: [Int] = []
        var count = ceilDiv(tokens, most)
        while count <= tokens {
            let size = ceilDiv(tokens, count)
            if sizes.last != size { sizes.append(size) }
            if size == 1 { break }
            // The next count that gives a smaller tile.
            count = max(count + 1, ceilDiv(tokens, size - 1))
        }
        return sizes
    }
}

/// Per (row tile, G) what the bounds need: kept weights and folds of the sparse columns, and the
/// weight bytes per row tile in each format.
struct PartitionStatistics {
    let rowTile: Int
    let rowTileCount: Int
    /// Σ over row tiles of ceil(rows / peRows).
    let rowGroups: Int
    /// Per G choice: sparse kept weights over the layer, Σ folds of sparse columns (lines along rows).
    let sparseKept: [Int]
    let sparseFolds: [Int]
    /// Per G choice and format: weight bytes (values + metadata) of all row tiles, and of those
    /// whose weights fit the weight and index buffers.
    let weightBytes: [[Double]]
    let keptWeightBytes: [[Double]]

    init(space: Mapspace, rowTile: Int) {
        let layer = space.layer, config = space.config
        let tiles = layer.rowTiles(rowTile)
        self.rowTile = rowTile
        rowTileCount = tiles.counts.count
        rowGroups = (0..<rowTileCount).reduce(0) { $0 + ceilDiv(tiles.rows(inTile: $1), config.peRows) }
        let order = layer.fullestFirst
        let choices = space.denseColumnChoices
        // Walk the columns fullest first, snapshotting the per-tile dense sums at each G choice.
        var denseKept = [Int](repeating: 0, count: rowTileCount)
        var denseFolds = 0
        let totalKeptPerTile = tiles.counts.map { $0.reduce(0) { $0 + Int($1) } }
        var totalFolds = 0
        for tile in 0..<rowTileCount {
            for count in tiles.counts[tile] { totalFolds += ceilDiv(Int(count), config.peRows) }
        }
        var kept: [Int] = [], folds: [Int] = [], bytes: [[Double]] = [], fitting: [[Double]] = []
        var next = 0
        for g in 0...layer.cols {
            while next < choices.count && choices[next] == g {
                let sparsePerTile = zip(totalKeptPerTile, denseKept).map { $0 - $1 }
                kept.append(sparsePerTile.reduce(0, +))
                folds.append(totalFolds - denseFolds)
                var perFormat: [Double] = [], fitPerFormat: [Double] = []
                for format in space.formats {
                    var all = 0.0, fit = 0.0
                    for tile in 0..<rowTileCount {
                        let rows = tiles.rows(inTile: tile)
                        let values = Double((g * rows + sparsePerTile[tile]) * space.valueBits) / 8
                        let metadata = g == layer.cols ? 0 : Double(format.metadataBits(
                            rows: rows, columns: layer.cols - g, kept: sparsePerTile[tile], totalRows: layer.rows,
                            groupSize: layer.groupSize, pointerBits: config.pointerBits)) / 8
                        all += values + metadata
                        if values <= config.weightBufferKiB * 1024 && metadata <= config.indexBufferKiB * 1024 { fit += values + metadata }
                    }
                    perFormat.append(all)
                    fitPerFormat.append(fit)
                }
                bytes.append(perFormat)
                fitting.append(fitPerFormat)
                next += 1
            }
            if g == layer.cols || next == choices.count { break }
            let column = order[g]
            for tile in 0..<rowTileCount {
                let count = Int(tiles.counts[tile][column])
                denseKept[tile] += count
                denseFolds += ceilDiv(count, config.peRows)
            }
        }
        sparseKept = kept
        sparseFolds = folds
        weightBytes = bytes
        keptWeightBytes = fitting
    }
}
