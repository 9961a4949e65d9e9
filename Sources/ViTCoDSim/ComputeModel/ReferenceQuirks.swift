/// The slips of BESA's `hw_sim` that the fixed compute model corrects. Each can be switched back on
/// alone, to see which one moves which projection; `.all` reproduces the reference's counts exactly.
public struct ReferenceQuirks: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The dense engine's work is counted as K·G (input width times dense columns), a leftover from
    /// ViTCoD's square attention maps; the correct count is N·G. The same slip makes the reference's
    /// dense baseline ceil(K·K / PEs) (per down_proj tile: ceil(w·w / PEs)) instead of ceil(N·K / PEs).
    public static let inputWidthDenseWork = ReferenceQuirks(rawValue: 1 << 0)
    /// PE columns split as floor(64 · dense share): the dense engine can get 0 columns while it has
    /// work, which then costs nothing. Fixed: the better of floor and ceil, at least one column for
    /// an engine that has work.
    public static let floorPESplit = ReferenceQuirks(rawValue: 1 << 1)
    /// The ratio search compares column counts with r·N in float32 (torch promotes the int64 degree
    /// tensor against a Python float) after accumulating r in float64 (0.5 + 0.1 + 0.1 ...).
    /// Fixed: exact comparison of count·10 > (5 + k)·N.
    public static let float32Threshold = ReferenceQuirks(rawValue: 1 << 2)
    /// Dense columns are moved to the front by swapping labels through the literal temporary 200,
    /// applied to row labels as well, which merges real column/row 200 into another and drops
    /// entries relabeled past the matrix edge. Only used by the ratio search.
    public static let labelMerging = ReferenceQuirks(rawValue: 1 << 3)

    public static let none: ReferenceQuirks = []
    public static let all: ReferenceQuirks = [.inputWidthDenseWork, .floorPESplit, .float32Threshold, .labelMerging]

    public static let named: [(String, ReferenceQuirks)] = [
        ("input-width-dense-work", .inputWidthDenseWork), ("floor-pe-split", .floorPESplit),
        ("float32-threshold", .float32Threshold), ("label-merging", .labelMerging),
    ]
}

/// How the compute model chooses the dense columns.
public enum SplitSearch: String, CaseIterable, Sendable, Codable {
    /// The reference's search: dense columns are those with more than r·N kept weights, r starting
    /// at 0.5 and moved by ±0.1 while the dense share of kept weights is outside (0.4, 0.6); at most
    /// five evaluations, the fastest kept.
    case ratio
    /// Every number G of fullest columns is tried. In the compute-only model the sparse engine has
    /// no overhead, so this nearly always ends with G = 0 (everything on the sparse engine): the
    /// speedup is then just dense MACs / kept weights. It is the only search under which pruning a
    /// weight can never add cycles.
    case best
}
