/// Orderings the pruning methods share. Ties are everywhere in the shipped model (its 4-bit
/// weights take 16 values per 32-weight block), so every ordering is stable: among equal scores the
/// lower index comes first, as `torch.sort(..., stable=True)` orders them.
enum Ranking {
    /// Indices of `scores`, ascending by score, ties by index.
    static func ascending(_ scores: UnsafeBufferPointer<Float>) -> [Int] {
        Array(scores.indices).sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }
    }

    /// The value at position `rank` of the ascending order of `scores` (ties do not matter for a value).
    static func value(atRank rank: Int, of scores: [Float]) -> Float {
        precondition(rank >= 0 && rank < scores.count)
        return scores.sorted()[rank]
    }

    /// Prunes, in each aligned group of `m` entries of `row`, the `n` with the smallest score.
    static func nOfM(scores: UnsafeBufferPointer<Float>, n: Int, m: Int, keep: inout KeepRow) {
        precondition(scores.count % m == 0, "N:M needs C_in divisible by M")
        for start in stride(from: 0, to: scores.count, by: m) {
            let group = UnsafeBufferPointer(rebasing: scores[start..<start + m])
            for offset in ascending(group).prefix(n) { keep[start + offset] = false }
        }
    }
}

/// One row of keep flags, written into a mask afterwards.
struct KeepRow {
    var values: [Bool]
    init(count: Int) { values = [Bool](repeating: true, count: count) }
    subscript(index: Int) -> Bool {
        get { values[index] }
        set { values[index] = newValue }
    }
}
