/// How one matrix (or one down_proj tile) is divided between the two engines, and what each costs
/// per token in the compute-only model.
public struct EngineSplit: Equatable, Sendable {
    /// Input columns given to the dense engine (G): the columns with the most kept weights.
    public var denseColumns: Int
    /// Kept weights in those columns (D).
    public var denseKept: Int
    /// Kept weights in the other columns, which the sparse engine processes one by one (S).
    public var sparseKept: Int
    /// PE columns of each engine; they add up to the array's width.
    public var densePEColumns: Int
    public var sparsePEColumns: Int
    /// MACs the dense engine performs per token (N·G fixed; K·G with the reference's slip).
    public var denseWork: Int
    public var denseCycles: Int
    public var sparseCycles: Int

    /// The engines run in parallel; the slower one sets the time.
    public var cycles: Int { max(denseCycles, sparseCycles) }
}

/// Integer ceiling division for non-negative values.
@inline(__always)
func ceilDiv(_ a: Int, _ b: Int) -> Int {
    precondition(b > 0 && a >= 0)
    return (a + b - 1) / b
}
