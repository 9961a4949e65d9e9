/// How the sparse engine's weights are laid out in DRAM, and what that costs.
///
/// The dense engine always reads plain values (zeros included). The sparse
/// engine reads its columns (input channels) in one of these formats; the
/// metadata is what decides whether sparsity pays when a layer is memory-bound.
public enum SparseFormat: String, Codable, CaseIterable, Sendable {
    /// One bit per position of the stored region, plus the kept values.
    case bitmap
    /// Compressed sparse columns: per kept value a row index of ceil(log2 C_out) bits,
    /// plus one pointer per column.
    case csc
    /// N:M structured: per kept value ceil(log2 M) bits naming its slot in the group of M.
    case nm

    /// Metadata bits for a region of `rows × columns` positions holding `kept` values.
    /// `totalRows` is C_out (CSC indexes whole columns); `groupSize` is M for N:M.
    public func metadataBits(rows: Int, columns: Int, kept: Int, totalRows: Int, groupSize: Int, pointerBits: Int) -> Int {
        switch self {
        case .bitmap: rows * columns
        case .csc: kept * Self.bitsToIndex(totalRows) + columns * pointerBits
        case .nm: kept * Self.bitsToIndex(groupSize)
        }
    }

    /// ceil(log2 n): bits to name one of n positions (at least 1).
    public static func bitsToIndex(_ n: Int) -> Int {
        n <= 2 ? 1 : Int.bitWidth - (n - 1).leadingZeroBitCount
    }
}
