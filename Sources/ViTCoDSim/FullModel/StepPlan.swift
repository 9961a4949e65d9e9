/// One step of a block: the columns both engines work on while the next step's data streams in.
struct Step {
    var denseColumns = 0
    var sparseColumns = 0
    var keptWeights = 0
    /// Bytes of weight values and of sparse-format metadata (independent of the token tile).
    var valueBytes = 0.0
    var metadataBytes = 0.0
    /// Engine time per token.
    var denseCyclesPerToken = 0
    var sparseCyclesPerToken = 0
    var balancedSparseCyclesPerToken = 0

    var cyclesPerToken: Int { max(denseCyclesPerToken, sparseCyclesPerToken) }
    /// Without load imbalance (ladder: mapping and fold losses only).
    var balancedCyclesPerToken: Int { max(denseCyclesPerToken, balancedSparseCyclesPerToken) }
    var inputColumns: Int { denseColumns + sparseColumns }
}

/// Cuts the columns of one row tile into steps that fit the buffers, and costs each step.
struct StepPlanner {
    let config: HardwareConfig
    let valueBits: Int
    let format: SparseFormat
    let totalRows: Int
    let groupSize: Int

    /// All bytes of a segment's weights over `rows` rows (values plus metadata), as stored in DRAM.
    func weightBytes(segment: Segment, counts: [Int], rows: Int) -> Double {
        let kept = segment.sparseColumns.reduce(0) { $0 + counts[$1] }
        let metadataBits = segment.sparseColumns.isEmpty ? 0 : format.metadataBits(
            rows: rows, columns: segment.sparseColumns.count, kept: kept, totalRows: totalRows,
            groupSize: groupSize, pointerBits: config.pointerBits)
        return Double((segment.denseColumns.count * rows + kept) * valueBits + metadataBits) / 8
    }

    func steps(segment: Segment, counts: [Int32], rows: Int, tokenTile: Int) -> [Step] {
        let dense = segment.denseColumns, sparse = segment.sparseColumns
        let denseEngine = DenseEngine(peRows: config.peRows, peColumns: segment.densePEColumns)
        let sparseEngine = SparseEngine(peRows: config.peRows, lines: segment.sparsePEColumns)
        let halfWeights = config.weightBufferKiB * 1024 / 2
        let halfInputs = config.inputBufferKiB * 1024 / 2
        let halfIndex = config.indexBufferKiB * 1024 / 2

        func step(_ denseSlice: ArraySlice<Int>, _ sparseSlice: ArraySlice<Int>) -> Step {
            let keptPerColumn = sparseSlice.lazy.map { Int(counts[$0]) }
            let kept = keptPerColumn.reduce(0, +)
            let sparseCost = sparseEngine.cost(keptPerColumn: keptPerColumn)
            let metadataBits = sparseSlice.isEmpty ? 0 : format.metadataBits(
                rows: rows, columns: sparseSlice.count, kept: kept, totalRows: totalRows,
                groupSize: groupSize, pointerBits: config.pointerBits)
            return Step(
                denseColumns: denseSlice.count, sparseColumns: sparseSlice.count, keptWeights: kept,
                valueBytes: Double((denseSlice.count * rows + kept) * valueBits) / 8,
                metadataBytes: Double(metadataBits) / 8,
                denseCyclesPerToken: denseEngine.cyclesPerToken(rows: rows, columns: denseSlice.count),
                sparseCyclesPerToken: sparseCost.cyclesPerToken,
                balancedSparseCyclesPerToken: sparseCost.balancedCyclesPerToken)
        }

        func fits(_ step: Step) -> Bool {
            step.valueBytes <= halfWeights && step.metadataBytes <= halfIndex
                && Double(tokenTile * step.inputColumns * config.activationBits) / 8 <= halfInputs
        }

        // Start from the step count the totals need, then add steps until every step fits
        // (kept weights are uneven across columns). One column per engine per step always fits:
        // the tiler bounds the row tile so that it does.
        let whole = step(dense[...], sparse[...])
        var count = max(1, Int((whole.valueBytes / halfWeights).rounded(.up)),
                        Int((whole.metadataBytes / halfIndex).rounded(.up)),
                        Int((Double(tokenTile * whole.inputColumns * config.activationBits) / 8 / halfInputs).rounded(.up)))
        let most = max(dense.count, sparse.count, 1)
        while true {
            count = min(count, most)
            let denseChunk = max(1, ceilDiv(dense.count, count)), sparseChunk = max(1, ceilDiv(sparse.count, count))
            let steps = (0..<count).map { index in
                step(dense[min(dense.count, index * denseChunk)..<min(dense.count, (index + 1) * denseChunk)],
                     sparse[min(sparse.count, index * sparseChunk)..<min(sparse.count, (index + 1) * sparseChunk)])
            }.filter { $0.inputColumns > 0 }
            if count == most || steps.allSatisfy(fits) { return steps }
            count = max(count + 1, count * 9 / 8)
        }
    }
}
