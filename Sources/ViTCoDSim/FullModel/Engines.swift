import SparsimSupport
import Traces

/// The dense engine: `peColumns` PE columns of `peRows` PEs, zeros included.
/// - Lines along rows: per token, output rows on PE rows and input columns on PE columns, so a step
///   of `rows × columns` weights takes ceil(rows / peRows) · ceil(columns / peColumns) cycles per token.
/// - Lines along tokens: each PE column takes one weight per cycle for `peRows` tokens, so the step
///   takes ceil(rows · columns / peColumns) cycles per pass of `peRows` tokens.
struct DenseEngine {
    let peRows: Int
    let peColumns: Int
    var lines = LineDimension.rows

    /// Cycles for `tokens` tokens.
    func cycles(rows: Int, columns: Int, tokens: Int) -> Int {
        guard columns > 0, rows > 0 else { return 0 }
        precondition(peColumns > 0, "dense work on a dense engine without PE columns")
        switch lines {
        case .rows: return ceilDiv(rows, peRows) * ceilDiv(columns, peColumns) * tokens
        case .tokens: return ceilDiv(rows * columns, peColumns) * ceilDiv(tokens, peRows)
        }
    }
}

/// The sparse engine: `lines` PE columns ("lines") of `peRows` PEs.
/// - Along rows: each input column's kept weights (within the row tile) go to one line, `peRows` of
///   them per cycle per token: a column of n kept weights occupies its line for ceil(n / peRows)
///   cycles per token (short columns waste PEs: fold). Columns are handed out in order to whichever
///   line frees up first (`EngineSchedule`), so uneven columns leave lines idle (load imbalance).
/// - Along tokens: each kept weight occupies one line for one cycle per pass of `peRows` tokens. A
///   step's kept weights, in row-major order, are dealt to the lines in equal runs, so the lines
///   run in lock step: ceil(kept / lines) cycles per pass. A line accumulates in its PEs while it
///   stays on one output row and adds its 64 partial sums into the output buffer when the row
///   changes; a row split between two lines is added by each in turn (they reach it at opposite ends
///   of their runs), so no two lines update the same partial sum in one cycle.
struct SparseEngine {
    let peRows: Int
    let lines: Int
    var along = LineDimension.rows

    /// Along rows: cycles of each non-empty column for `tokens` tokens (empty along tokens).
    func columnCycles(keptPerColumn: some Sequence<Int>, tokens: Int) -> [Int] {
        guard along == .rows else { return [] }
        return keptPerColumn.compactMap { $0 > 0 ? ceilDiv($0, peRows) * tokens : nil }
    }

    /// Along tokens: cycles of the whole step for `tokens` tokens (0 along rows).
    func lockstepCycles(kept: Int, tokens: Int) -> Int {
        guard along == .tokens, kept > 0 else { return 0 }
        precondition(lines > 0, "sparse work on a sparse engine without lines")
        return ceilDiv(kept, lines) * ceilDiv(tokens, peRows)
    }
}

/// When the engines are free, as steps are issued to them. Steps overlap: a line of the sparse engine
/// that finishes early takes the next step's columns as soon as their data is on chip. Changing the
/// PE split (between down_proj's column tiles) waits for every issued step to finish.
struct EngineSchedule {
    private var denseFree = 0.0
    private var lines = BinaryHeap<Double>()
    /// Lines along tokens move together.
    private var lockstepFree = 0.0
    private var barrier = 0.0
    /// When every step issued so far has finished.
    private(set) var allDone = 0.0

    // Fold-only bound of the current interval between reconfigurations (ladder "mapping").
    private var intervalDense = 0
    private var intervalColumnWork = 0
    private var intervalLockstep = 0
    private var intervalLines = 1
    private(set) var mappingBound = 0

    /// Starts a new PE split: waits for all work so far.
    mutating func reconfigure(sparseLines: Int) {
        closeInterval()
        barrier = allDone
        denseFree = allDone
        lockstepFree = allDone
        lines = BinaryHeap(repeating: allDone, count: sparseLines)
        intervalLines = max(sparseLines, 1)
    }

    /// Issues a step whose data is on chip at `ready`; returns when it finishes.
    mutating func run(_ step: Step, ready: Double) -> Double {
        let start = max(ready, barrier)
        var done = start
        if step.denseCycles > 0 {
            let begin = max(denseFree, start)
            denseFree = begin + Double(step.denseCycles)
            done = max(done, denseFree)
        }
        for cycles in step.sparseColumnCycles {
            let begin = max(lines.min!, start)
            let end = begin + Double(cycles)
            lines.replaceMin(with: end)
            done = max(done, end)
        }
        if step.sparseLockstepCycles > 0 {
            let begin = max(lockstepFree, start)
            lockstepFree = begin + Double(step.sparseLockstepCycles)
            done = max(done, lockstepFree)
        }
        intervalDense += step.denseCycles
        intervalColumnWork += step.sparseWork
        intervalLockstep += step.sparseLockstepCycles
        allDone = max(allDone, done)
        return done
    }

    mutating func finish() -> Double {
        closeInterval()
        return allDone
    }

    private mutating func closeInterval() {
        mappingBound += max(intervalDense, ceilDiv(intervalColumnWork, intervalLines) + intervalLockstep)
        intervalDense = 0
        intervalColumnWork = 0
        intervalLockstep = 0
    }
}
