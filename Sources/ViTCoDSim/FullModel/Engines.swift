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
/// (within the current row tile) go to one line, `peRows` of them per cycle per token; a column is
/// handed to whichever line frees up first, in column order. The step ends when the busiest line
/// does, so uneven columns cost time (load imbalance) and short columns waste PEs (fold).
struct SparseEngine {
    let peRows: Int
    let lines: Int

    struct StepCost {
        /// Busiest line: the step's time per token.
        var cyclesPerToken: Int
        /// The same work perfectly balanced across lines (fold losses only).
        var balancedCyclesPerToken: Int
    }

    func cost(keptPerColumn: some Sequence<Int>) -> StepCost {
        var folds = 0
        var queue = LineQueue(lines: max(lines, 1))
        for kept in keptPerColumn where kept > 0 {
            let cycles = ceilDiv(kept, peRows)
            folds += cycles
            queue.assign(cycles)
        }
        guard folds > 0 else { return StepCost(cyclesPerToken: 0, balancedCyclesPerToken: 0) }
        precondition(lines > 0, "sparse work on a sparse engine without lines")
        return StepCost(cyclesPerToken: queue.busiest, balancedCyclesPerToken: ceilDiv(folds, lines))
    }
}

/// A binary min-heap of line loads: hands each job to the least-loaded line.
struct LineQueue {
    private var loads: [Int]
    private(set) var busiest = 0

    init(lines: Int) { loads = [Int](repeating: 0, count: lines) }

    mutating func assign(_ cycles: Int) {
        loads[0] += cycles
        busiest = max(busiest, loads[0])
        // Sift the root down.
        var index = 0
        while true {
            let left = 2 * index + 1, right = left + 1
            var smallest = index
            if left < loads.count && loads[left] < loads[smallest] { smallest = left }
            if right < loads.count && loads[right] < loads[smallest] { smallest = right }
            if smallest == index { return }
            loads.swapAt(index, smallest)
            index = smallest
        }
    }
}
