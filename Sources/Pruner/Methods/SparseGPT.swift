import Foundation
import SparsimSupport
import Traces

/// SparseGPT (Frantar & Alistarh 2023), as IST-DASLab/sparsegpt defines it: optimal-brain-surgeon
/// pruning column by column with the inverse Hessian of the layer's inputs, the error of each pruned
/// weight spread over the row's later weights, in blocks of 128 columns with lazy updates beyond.
public enum SparseGPT {
    public struct Result: Sendable {
        public var mask: KeepMask
        /// The updated weights (kept weights change; pruned ones are 0).
        public var weight: Matrix
        /// Damping actually used, as a fraction of mean(diag H): 0.01 unless Cholesky needed more.
        public var damping: Double
    }

    public static let blockSize = 128

    /// How the column sweep decides which weights to drop. Whatever the rule, every dropped weight's
    /// error is spread over the row's later weights in the same way.
    public enum MaskRule: Sendable {
        /// The reference: per 128-column block, one threshold on W² / U_jj² over all rows.
        case unstructured(sparsity: Double)
        /// The reference's N:M: per row, the n smallest scores of every m columns, on updated weights.
        case nOfM(n: Int, m: Int)
        /// Row i drops exactly `counts[i]` weights: in each 128-column block the row's share
        /// (cumulative, so the row total is exact) of its lowest scores. SparseGPT pruning to an
        /// allocation learned elsewhere (BESA's per-row sparsities).
        case rowCounts([Int])
        /// The mask is given and only the kept weights update: OBS with a fixed mask.
        case fixed(KeepMask)
    }

    /// `hessian` is H = (2/N) Σ XᵀX over the calibration tokens (C_in × C_in). `log` receives a line
    /// whenever the Cholesky factorization fails and damping is raised (never silently).
    public static func prune(_ weight: Matrix, hessian: Matrix, sparsity: Double, pattern: SparsityPattern,
                             blockSize: Int = blockSize, log: (String) -> Void = { _ in }) throws(LinearAlgebraError) -> Result {
        let rule: MaskRule = switch pattern {
        case .unstructured: .unstructured(sparsity: sparsity)
        case .nOfM(let n, let m): .nOfM(n: n, m: m)
        }
        return try prune(weight, hessian: hessian, rule: rule, blockSize: blockSize, log: log)
    }

    public static func prune(_ weight: Matrix, hessian: Matrix, rule: MaskRule,
                             blockSize: Int = blockSize, log: (String) -> Void = { _ in }) throws(LinearAlgebraError) -> Result {
        let (rows, cols) = (weight.rows, weight.cols)
        precondition(hessian.rows == cols && hessian.cols == cols, "H must be C_in × C_in")
        switch rule {
        case .rowCounts(let counts): precondition(counts.count == rows && counts.allSatisfy { (0...cols).contains($0) }, "one count in 0...C_in per row")
        case .fixed(let mask): precondition(mask.rows == rows && mask.cols == cols, "mask shape differs from the weight's")
        default: break
        }
        var w = weight
        var h = hessian
        // Dead inputs (never non-zero in calibration): H_jj = 1 and W[:, j] = 0.
        for j in 0..<cols where h[j, j] == 0 {
            h[j, j] = 1
            for i in 0..<rows { w[i, j] = 0 }
        }
        let (u, damping) = try inverseHessianFactor(h, log: log)

        var pruned = [Bool](repeating: false, count: rows * cols)
        for start in stride(from: 0, to: cols, by: blockSize) {
            let end = min(start + blockSize, cols), count = end - start
            // The block's columns, contiguous (rows × count), and its errors.
            var block = [Float](repeating: 0, count: rows * count)
            var errors = [Float](repeating: 0, count: rows * count)
            for i in 0..<rows { for c in 0..<count { block[i * count + c] = w[i, start + c] } }
            var blockPruned = [Bool](repeating: false, count: rows * count)
            switch rule {
            case .unstructured(let sparsity) where sparsity > 0:
                // One threshold over the whole block.
                let scores = obsScores(block, rows: rows, start: start, count: count, u: u)
                let rank = Int(Double(scores.count) * sparsity)
                let threshold = Ranking.value(atRank: min(rank, scores.count - 1), of: scores)
                for index in scores.indices { blockPruned[index] = scores[index] <= threshold }
            case .rowCounts(let counts):
                let scores = obsScores(block, rows: rows, start: start, count: count, u: u)
                scores.withUnsafeBufferPointer { all in
                    for i in 0..<rows {
                        let share = counts[i] * end / cols - counts[i] * start / cols
                        for c in Ranking.lowest(share, of: UnsafeBufferPointer(rebasing: all[i * count..<(i + 1) * count])) {
                            blockPruned[i * count + c] = true
                        }
                    }
                }
            case .fixed(let mask):
                for i in 0..<rows { for c in 0..<count { blockPruned[i * count + c] = !mask[i, start + c] } }
            default:
                break
            }
            // The sweep: column by column, prune and spread the error over the row's later columns of
            // the block. Rows are independent of each other here, so they run on all cores.
            let nOfM: (n: Int, m: Int)? = if case .nOfM(let n, let m) = rule { (n, m) } else { nil }
            block.withUnsafeMutableBufferPointer { block in
            errors.withUnsafeMutableBufferPointer { errors in
            blockPruned.withUnsafeMutableBufferPointer { blockPruned in
            u.values.withUnsafeBufferPointer { u in
                nonisolated(unsafe) let (block, errors, blockPruned, u) = (block.baseAddress!, errors.baseAddress!, blockPruned.baseAddress!, u.baseAddress!)
                let chunk = 16
                Parallel.forEach((rows + chunk - 1) / chunk) { part in
                    var scores = [Float](repeating: 0, count: nOfM?.m ?? 0)
                    for i in part * chunk..<min(rows, (part + 1) * chunk) {
                        let (row, rowPruned, rowErrors) = (block + i * count, blockPruned + i * count, errors + i * count)
                        for c in 0..<count {
                            let column = start + c
                            let uRow = u + column * cols + start  // U[column, start..<end]
                            if let (n, m) = nOfM, c % m == 0 {
                                // The n smallest W² / U_jj² among the next m columns, on updated weights.
                                for k in 0..<m {
                                    let dk = u[(column + k) * cols + column + k]
                                    scores[k] = row[c + k] * row[c + k] / (dk * dk)
                                }
                                for k in scores.withUnsafeBufferPointer({ Ranking.lowest(n, of: $0) }) { rowPruned[c + k] = true }
                            }
                            let value = row[c]
                            let quantized: Float = rowPruned[c] ? 0 : value
                            let error = (value - quantized) / uRow[c]  // uRow[c] = U[column, column]
                            rowErrors[c] = error
                            if error != 0 {
                                for k in c..<count { row[k] -= error * uRow[k] }
                            }
                            row[c] = quantized
                        }
                    }
                }
            }}}}
            for i in 0..<rows {
                for c in 0..<count {
                    w[i, start + c] = block[i * count + c]
                    pruned[i * cols + start + c] = blockPruned[i * count + c]
                }
            }
            // Lazy update of the later columns: W[:, end:] −= Err · U[start..<end, end:].
            if end < cols {
                errors.withUnsafeBufferPointer { e in
                    u.values.withUnsafeBufferPointer { up in
                        w.values.withUnsafeMutableBufferPointer { wp in
                            BLAS.gemm(m: rows, n: cols - end, k: count, alpha: -1,
                                      e.baseAddress!, lda: count,
                                      up.baseAddress! + start * cols + end, ldb: cols,
                                      beta: 1, wp.baseAddress! + end, ldc: cols)
                        }
                    }
                }
            }
        }
        let mask = KeepMask(rows: rows, cols: cols, values: pruned.map { !$0 })
        return Result(mask: mask, weight: w, damping: damping)
    }

    /// SparseGPT's saliency W² / U_jj² of a block's columns (rows × count, contiguous).
    private static func obsScores(_ block: [Float], rows: Int, start: Int, count: Int, u: Matrix) -> [Float] {
        var scores = [Float](repeating: 0, count: rows * count)
        for i in 0..<rows {
            for c in 0..<count {
                let d = u[start + c, start + c]
                scores[i * count + c] = block[i * count + c] * block[i * count + c] / (d * d)
            }
        }
        return scores
    }

    /// U, the upper Cholesky factor of (H + λI)⁻¹ with λ from `Damping` (raised after each failed
    /// factorization, logged). The damping returned is λ's fraction of mean(diag H).
    static func inverseHessianFactor(_ h: Matrix, log: (String) -> Void) throws(LinearAlgebraError) -> (Matrix, Double) {
        let (factor, multiple) = try Damping.withRetries(lambda: Damping.lambda(for: h)) { (lambda: Double) throws(LinearAlgebraError) in
            try LAPACK.choleskyUpper(try LAPACK.inverseSPD(Damping.damped(h, lambda: lambda)))
        } retrying: { error, factor, next in
            log("SparseGPT: \(error.description) with damping \(Damping.fraction * factor); retrying with \(Damping.fraction * next)")
        }
        return (factor, Damping.fraction * multiple)
    }
}
