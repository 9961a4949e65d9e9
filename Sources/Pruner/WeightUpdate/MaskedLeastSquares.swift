import Foundation
import SparsimSupport
import Traces

/// The kept weights that reconstruct a layer's dense outputs best, for a mask chosen elsewhere.
///
/// With H = (2/N) Σ XᵀX and the mask fixed, row i's reconstruction error on the calibration inputs
/// is (w − w₀)ᵀ H (w − w₀) with w = 0 on its pruned columns P. On the kept columns K the minimum is
///
///     w_K = w₀_K + (H_KK + λI)⁻¹ H_KP w₀_P
///
/// (λ = SparseGPT's damping, `Damping`, which also keeps w near w₀ where the calibration
/// says little). Every row has its own K, so each row factors its own |K| × |K| submatrix: exact
/// where SparseGPT's column sweep is greedy (it never revisits a column it has passed).
public enum MaskedLeastSquares {
    /// Kept weights solved, pruned ones 0. `log` receives a line whenever a row's factorization fails
    /// and its damping is raised.
    public static func solve(_ weight: Matrix, mask: KeepMask, hessian: Matrix, log: (String) -> Void = { _ in }) throws(LinearAlgebraError) -> Matrix {
        let (rows, cols) = (weight.rows, weight.cols)
        precondition(mask.rows == rows && mask.cols == cols, "mask shape differs from the weight's")
        precondition(hessian.rows == cols && hessian.cols == cols, "H must be C_in × C_in")
        let lambda = Damping.lambda(for: hessian)
        // Right-hand sides for all rows at once: R = (W₀ ⊙ pruned) H, row i's H_·P w₀_P.
        var prunedPart = weight
        for i in 0..<rows { for j in 0..<cols where mask[i, j] { prunedPart[i, j] = 0 } }
        let rhs = BLAS.matmul(prunedPart, hessian)

        var result = weight
        let workers = max(1, min(rows, ProcessInfo.processInfo.activeProcessorCount))
        let failures = RowFailures()
        result.values.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let output = out.baseAddress!
            Parallel.forEach(workers) { worker in
                var kept = [Int](), system = [Float](), solution = [Float]()
                for i in stride(from: worker, to: rows, by: workers) {
                    kept.removeAll(keepingCapacity: true)
                    for j in 0..<cols { if mask[i, j] { kept.append(j) } else { output[i * cols + j] = 0 } }
                    guard !kept.isEmpty else { continue }
                    var solved = false
                    for (attempt, factor) in Damping.retryFactors.enumerated() where !solved {
                        let damping = Float(lambda * factor)
                        system = [Float](unsafeUninitializedCapacity: kept.count * kept.count) { buffer, count in
                            for (a, ja) in kept.enumerated() {
                                for (b, jb) in kept.enumerated() { buffer[a * kept.count + b] = hessian[ja, jb] }
                                buffer[a * kept.count + a] += damping
                            }
                            count = kept.count * kept.count
                        }
                        solution = kept.map { rhs[i, $0] }
                        solved = LAPACK.choleskySolveInPlace(&system, n: kept.count, rhs: &solution)
                        if solved, attempt > 0 { failures.record(row: i, lambda: damping) }
                    }
                    guard solved else { failures.record(row: i, lambda: nil); continue }
                    for (a, j) in kept.enumerated() { output[i * cols + j] = weight[i, j] + solution[a] }
                }
            }
        }
        for (row, raised) in failures.entries.sorted(by: { $0.row < $1.row }) {
            if let raised {
                log("least squares: row \(row)'s H_KK is not positive definite; damping raised to \(raised)")
            } else {
                throw LinearAlgebraError(routine: "spotrf", info: row + 1,
                                         description: "least squares: row \(row)'s H_KK stays indefinite even with \(Int(Damping.retryFactors.last!))× damping")
            }
        }
        return result
    }
}

/// Rows whose factorization needed more damping, collected from the worker threads.
private final class RowFailures: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var entries: [(row: Int, lambda: Float?)] = []
    func record(row: Int, lambda: Float?) {
        lock.lock()
        entries.append((row, lambda))
        lock.unlock()
    }
}
