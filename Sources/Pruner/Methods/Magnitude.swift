import SparsimSupport
import Traces

/// Magnitude pruning (no data). Unstructured: one threshold per matrix, the |W| value at rank
/// floor(numel · s) of the sorted magnitudes, and every weight with |W| ≤ threshold is pruned —
/// with ties that removes slightly more than asked, as the reference does. N:M: in each aligned
/// group of M weights of a row, the N smallest |W| go.
public enum Magnitude {
    public static func prune(_ weight: Matrix, sparsity: Double, pattern: SparsityPattern) -> KeepMask {
        let magnitudes = weight.values.map(abs)
        switch pattern {
        case .unstructured:
            let rank = Int(Double(magnitudes.count) * sparsity)
            guard rank > 0 || sparsity > 0 else { return KeepMask(rows: weight.rows, cols: weight.cols) }
            let threshold = Ranking.value(atRank: min(rank, magnitudes.count - 1), of: magnitudes)
            return KeepMask(rows: weight.rows, cols: weight.cols, values: magnitudes.map { $0 > threshold })
        case .nOfM(let n, let m):
            return RowScores.nOfM(magnitudes, rows: weight.rows, cols: weight.cols, n: n, m: m)
        }
    }
}

/// Per-row pruning on a score matrix, shared by Wanda and magnitude N:M.
enum RowScores {
    /// In each row, the `count` lowest scores (stable) are pruned. Rows are selected on all cores.
    static func lowestPerRow(_ scores: [Float], rows: Int, cols: Int, count: Int) -> KeepMask {
        let pruned = scores.withUnsafeBufferPointer { all in
            Parallel.map(rows) { row in Ranking.lowest(count, of: UnsafeBufferPointer(rebasing: all[row * cols..<(row + 1) * cols])) }
        }
        var mask = KeepMask(rows: rows, cols: cols)
        for (row, columns) in pruned.enumerated() {
            for col in columns { mask[row, col] = false }
        }
        return mask
    }

    static func nOfM(_ scores: [Float], rows: Int, cols: Int, n: Int, m: Int) -> KeepMask {
        var mask = KeepMask(rows: rows, cols: cols)
        scores.withUnsafeBufferPointer { all in
            for row in 0..<rows {
                var keep = KeepRow(count: cols)
                Ranking.nOfM(scores: UnsafeBufferPointer(rebasing: all[row * cols..<(row + 1) * cols]), n: n, m: m, keep: &keep)
                for col in 0..<cols where !keep[col] { mask[row, col] = false }
            }
        }
        return mask
    }
}
