/// SparseGPT's damping of a Gram matrix H before it is factored: λ = 1% of mean(diag H) on the
/// diagonal, raised tenfold after each failed factorization, at most four times. Every method that
/// inverts or factors H (SparseGPT, the OBS importance, the least-squares update) uses this rule.
public enum Damping {
    /// λ as a fraction of mean(diag H).
    public static let fraction = 0.01
    /// The multiples of λ tried in turn when a factorization fails.
    public static let retryFactors: [Double] = [1, 10, 100, 1e3, 1e4]

    /// mean(diag H) in Double.
    public static func meanDiagonal(_ h: Matrix) -> Double {
        precondition(h.isSquare, "damping needs a square matrix")
        return (0..<h.rows).reduce(0.0) { $0 + Double(h[$1, $1]) } / Double(max(h.rows, 1))
    }

    /// λ for H; with an all-zero diagonal (no calibration signal) λ is taken against a unit one.
    public static func lambda(for h: Matrix) -> Double {
        let mean = meanDiagonal(h)
        return fraction * (mean > 0 ? mean : 1)
    }

    /// H + λI.
    public static func damped(_ h: Matrix, lambda: Double) -> Matrix {
        var damped = h
        for j in 0..<h.rows { damped[j, j] += Float(lambda) }
        return damped
    }

    /// `attempt(λ · factor)` for each retry factor until it succeeds, returning its value and the
    /// factor that worked; `retrying(error, factor, next factor)` hears of each failure before the
    /// next try, and the last failure is thrown.
    public static func withRetries<T>(
        lambda: Double, _ attempt: (Double) throws(LinearAlgebraError) -> T,
        retrying: (LinearAlgebraError, Double, Double) -> Void = { _, _, _ in }
    ) throws(LinearAlgebraError) -> (value: T, factor: Double) {
        for (index, factor) in retryFactors.enumerated() {
            do {
                return (try attempt(lambda * factor), factor)
            } catch {
                guard index + 1 < retryFactors.count else { throw error }
                retrying(error, factor, retryFactors[index + 1])
            }
        }
        fatalError("retryFactors is not empty")
    }
}
