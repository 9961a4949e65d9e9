import Traces

/// The dense engine: `peColumns` PE columns of `peRows` PEs. Per token it maps output rows onto PE
/// rows and dense input columns onto PE columns, so a step of `rows × columns` weights takes
/// ceil(rows / peRows) · ceil(columns / peColumns) cycles, zeros included.
struct DenseEngine {
    let peRows: Int
    let peColumns: Int

    func cyclesPerToken(rows: Int, columns: Int) -> Int {
        guard columns > 0, rows > 0 else { return 0 }
        precondition(peColumns > 0, "dense work on a dense engine without PE columns")
        return ceilDiv(rows, peRows) * ceilDiv(columns, peColumns)
    }
}

/// The sparse engine: `lines` PE columns ("lines") of `peRows` PEs. Each input column's kept weights
/// (within the current row tile) go to one line, `peRows` of them per cycle per token: a column of
/// n kept weights occupies its line for ceil(n / peRows) cycles per token (short columns waste PEs:
/// fold). Columns are handed out in order to whichever line frees up first (`EngineSchedule`), so
/// uneven columns leave lines idle at the end (load imbalance).
struct SparseEngine {
    let peRows: Int

    /// Cycles per token of each non-empty column.
    func columnCycles(keptPerColumn: some Sequence<Int>) -> [Int] {
        keptPerColumn.compactMap { $0 > 0 ? ceilDiv($0, peRows) : nil }
    }
}

/// When the engines are free, as steps are issued to them. Steps overlap: a line of the sparse engine
/// that finishes early takes the next step's columns as soon as their data is on chip. Changing the
/// PE split (between down_proj's column tiles) waits for every issued step to finish.
struct EngineSchedule {
    private var denseFree = 0.0
    private var lines = BinaryHeap<Double>()
    private var barrier = 0.0
    /// When every step issued so far has finished.
    private(set) var allDone = 0.0

    // Fold-only bound of the current interval between reconfigurations (ladder "mapping").
    private var intervalDense = 0
    private var intervalFolds = 0
    private var intervalLines = 1
    private(set) var mappingBound = 0

    /// Starts a new PE split: waits for all work so far.
    mutating func reconfigure(sparseLines: Int) {
        closeInterval()
        barrier = allDone
        denseFree = allDone
        lines = BinaryHeap(repeating: allDone, count: sparseLines)
        intervalLines = max(sparseLines, 1)
    }

    /// Issues a step whose data is on chip at `ready`; returns when it finishes.
    mutating func run(_ step: Step, ready: Double, tokens: Int) -> Double {
        let start = max(ready, barrier)
        var done = start
        if step.denseCyclesPerToken > 0 {
            let begin = max(denseFree, start)
            denseFree = begin + Double(step.denseCyclesPerToken * tokens)
            done = max(done, denseFree)
        }
        for cycles in step.sparseColumnCycles {
            let begin = max(lines.min!, start)
            let end = begin + Double(cycles * tokens)
            lines.replaceMin(with: end)
            done = max(done, end)
        }
        intervalDense += step.denseCyclesPerToken * tokens
        intervalFolds += step.sparseFolds * tokens
        allDone = max(allDone, done)
        return done
    }

    mutating func finish() -> Double {
        closeInterval()
        return allDone
    }

    private mutating func closeInterval() {
        mappingBound += max(intervalDense, ceilDiv(intervalFolds, intervalLines))
        intervalDense = 0
        intervalFolds = 0
    }
}
