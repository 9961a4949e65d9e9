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
/// - Buffer share: the whole buffers, half of each, a quarter, ... down to the smallest share in
///   which something still fits (one space per share).
struct Mapspace {
    /// The machine as the mappings of this space see it: its buffers scaled by `bufferShare`.
    let config: HardwareConfig
    let bufferShare: Double
    let layer: LayerGeometry
    let valueBits: Int
    /// Column counts of the partition grid.
    let denseColumnChoices: [Int]
    let rowTiles: [Int]
    let formats: [SparseFormat]
    let structured: Bool

    init(config: HardwareConfig, layer: LayerGeometry, valueBits: Int, formats: [SparseFormat]?, extraDenseColumns: [Int],
         allDenseOnly: Bool, bufferShare: Double = 1) {
        self.config = config.scalingBuffers(by: bufferShare)
        self.bufferShare = bufferShare
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
        let config = self.config
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
        rowTiles = tiles
    }

    /// Whether any mapping fits this space's buffers.
    var isFeasible: Bool { !rowTiles.isEmpty }

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

/// Per row tile size and G choice, the sparse engine's share of the layer: kept weights in each
/// row tile and the folds of its columns (lines along rows). It depends only on the mask, so the
/// spaces of every buffer share use the same (cached in `LayerGeometry`).
struct PartitionCounts {
    /// The G choices, ascending.
    let choices: [Int]
    let rowTileCount: Int
    /// Σ over row tiles of ceil(rows / peRows).
    let rowGroups: Int
    /// `sparseKeptPerTile[choice][tile]`.
    let sparseKeptPerTile: [[Int]]
    let sparseFolds: [Int]

    init(layer: LayerGeometry, rowTile: Int, choices: [Int], peRows: Int) {
        let tiles = layer.rowTiles(rowTile)
        self.choices = choices
        rowTileCount = tiles.counts.count
        rowGroups = (0..<rowTileCount).reduce(0) { $0 + ceilDiv(tiles.rows(inTile: $1), peRows) }
        let totalKeptPerTile = tiles.counts.map { $0.reduce(0) { $0 + Int($1) } }
        let totalFolds = tiles.counts.reduce(0) { total, tile in total + tile.reduce(0) { $0 + ceilDiv(Int($1), peRows) } }
        // Walk the columns fullest first, snapshotting the per-tile dense sums at each G choice
        // (G = all columns needs no walk: nothing is left for the sparse engine).
        let order = layer.fullestFirst
        var denseKept = [Int](repeating: 0, count: rowTileCount)
        var denseFolds = 0
        var kept: [[Int]] = [], folds: [Int] = []
        var walked = 0
        for g in choices {
            if g == layer.cols {
                kept.append([Int](repeating: 0, count: rowTileCount))
                folds.append(0)
                continue
            }
            while walked < g {
                let column = order[walked]
                for tile in 0..<rowTileCount {
                    let count = Int(tiles.counts[tile][column])
                    denseKept[tile] += count
                    denseFolds += ceilDiv(count, peRows)
                }
                walked += 1
            }
            kept.append(zip(totalKeptPerTile, denseKept).map { $0 - $1 })
            folds.append(totalFolds - denseFolds)
        }
        sparseKeptPerTile = kept
        sparseFolds = folds
    }
}

/// Per (row tile, G) what the bounds need: the partition's counts, and the weight bytes per row
/// tile in each format under this space's buffers.
struct PartitionStatistics {
    let rowTileCount: Int
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
        let counts = layer.partitionCounts(rowTile: rowTile, choices: space.denseColumnChoices, peRows: config.peRows)
        let tiles = layer.rowTiles(rowTile)
        rowTileCount = counts.rowTileCount
        rowGroups = counts.rowGroups
        sparseKept = counts.sparseKeptPerTile.map { $0.reduce(0, +) }
        sparseFolds = counts.sparseFolds
        var bytes: [[Double]] = [], fitting: [[Double]] = []
        for (choice, g) in space.denseColumnChoices.enumerated() {
            let sparsePerTile = counts.sparseKeptPerTile[choice]
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
        }
        weightBytes = bytes
        keptWeightBytes = fitting
    }
}
