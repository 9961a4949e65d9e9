/// One step of a block: the columns both engines work on while the next step's data streams in,
/// costed for one token tile.
struct Step {
    var inputColumns = 0
    var keptWeights = 0
    /// Bytes of weight values and of format metadata (independent of the token tile).
    var valueBytes = 0.0
    var metadataBytes = 0.0
    /// Dense-engine cycles for the token tile.
    var denseCycles = 0
    /// Sparse engine, lines along rows: cycles of each non-empty column for the token tile, handed
    /// in order to whichever line frees first.
    var sparseColumnCycles: [Int] = []
    /// Sparse engine, lines along tokens: the step's kept weights dealt evenly to the lines, which
    /// run in lock step.
    var sparseLockstepCycles = 0

    var sparseWork: Int { sparseColumnCycles.reduce(0, +) }
}

/// Cuts the columns of one row tile into steps that fit the buffers, and costs each step.
struct StepPlanner {
    let config: HardwareConfig
    let valueBits: Int
    let format: SparseFormat
    let totalRows: Int
    let groupSize: Int
    var denseLines = LineDimension.rows
    var sparseLines = LineDimension.rows

    func steps(segment: Segment, counts: [Int32], rows: Int, tokenTile: Int) -> [Step] {
        let dense = segment.denseColumns, sparse = segment.sparseColumns
        let unit = segment.denseUnit
        let denseEngine = DenseEngine(peRows: config.peRows, peColumns: segment.densePEColumns, lines: denseLines)
        let sparseEngine = SparseEngine(peRows: config.peRows, lines: segment.sparsePEColumns, along: sparseLines)
        let halfWeights = config.weightBufferKiB * 1024 / 2
        let halfInputs = config.inputBufferKiB * 1024 / 2
        let halfIndex = config.indexBufferKiB * 1024 / 2

        func step(_ denseSlice: ArraySlice<Int>, _ sparseSlice: ArraySlice<Int>) -> Step {
            let keptPerColumn = sparseSlice.lazy.map { Int(counts[$0]) }
            let kept = keptPerColumn.reduce(0, +)
            let sparseMetadata = sparseSlice.isEmpty ? 0 : format.metadataBits(
                rows: rows, columns: sparseSlice.count, kept: kept, totalRows: totalRows,
                groupSize: groupSize, pointerBits: config.pointerBits)
            let engineColumns = denseSlice.count * unit.engineColumns
            return Step(
                inputColumns: denseSlice.count * unit.inputs + sparseSlice.count, keptWeights: kept,
                valueBytes: Double((engineColumns * rows + kept) * valueBits) / 8,
                metadataBytes: Double(sparseMetadata + denseSlice.count * rows * unit.metadataBitsPerRow) / 8,
                denseCycles: denseEngine.cycles(rows: rows, columns: engineColumns, tokens: tokenTile),
                sparseColumnCycles: sparseEngine.columnCycles(keptPerColumn: keptPerColumn, tokens: tokenTile),
                sparseLockstepCycles: sparseEngine.lockstepCycles(kept: kept, tokens: tokenTile))
        }

        func fits(_ step: Step) -> Bool {
            step.valueBytes <= halfWeights && step.metadataBytes <= halfIndex
                && Double(tokenTile * step.inputColumns * config.activationBits) / 8 <= halfInputs
        }

        func plan(denseChunk: Int, sparseChunk: Int, count: Int) -> [Step] {
            (0..<count).map { index in
                step(dense[min(dense.count, index * denseChunk)..<min(dense.count, (index + 1) * denseChunk)],
                     sparse[min(sparse.count, index * sparseChunk)..<min(sparse.count, (index + 1) * sparseChunk)])
            }.filter { $0.inputColumns > 0 }
        }

        // The fewest steps the totals allow.
        let whole = step(dense[...], sparse[...])
        let fewest = max(1, Int((whole.valueBytes / halfWeights).rounded(.up)),
                         Int((whole.metadataBytes / halfIndex).rounded(.up)),
                         Int((Double(tokenTile * whole.inputColumns * config.activationBits) / 8 / halfInputs).rounded(.up)))
        // Prefer dense chunks that are whole multiples q of the dense engine's PE columns (no fold
        // across steps), with the sparse columns spread over the same number of steps.
        if !dense.isEmpty, segment.densePEColumns > 0 {
            let width = max(1, segment.densePEColumns / unit.engineColumns)
            var q = max(1, dense.count / (width * fewest))
            while q >= 1 {
                let count = ceilDiv(dense.count, width * q)
                let steps = plan(denseChunk: width * q, sparseChunk: max(1, ceilDiv(sparse.count, count)), count: count)
                if count >= fewest && steps.allSatisfy(fits) { return steps }
                q -= 1
            }
        }
        // Otherwise: even chunks, more steps until every step fits (kept weights are uneven across
        // columns). One column per engine per step is the finest cut; the tiler bounds the row tile
        // so that a single column fits.
        let most = max(dense.count, sparse.count, 1)
        var count = min(fewest, most)
        while true {
            let steps = plan(denseChunk: max(1, ceilDiv(dense.count, count)), sparseChunk: max(1, ceilDiv(sparse.count, count)),
                             count: count)
            if count == most || steps.allSatisfy(fits) { return steps }
            count = min(most, max(count + 1, count * 9 / 8))
        }
    }
}
