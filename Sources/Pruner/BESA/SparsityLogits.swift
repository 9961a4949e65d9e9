import Foundation

/// BESA's learnable sparsity for one linear layer (paper §3; ../shared/REFERENCE.md, BESA).
///
/// Each group of rows (every row for row-wise BESA, the whole matrix for layer-wise) has logits α
/// over 101 candidate sparsities s_k = 1.00, 0.99, ..., 0.00. With p = softmax(sigmoid(α)), the
/// group's sparsity is ŝ = Σ_k p_k s_k. Weights are ranked within each row by importance
/// (ascending); the entry at rank r is
/// - kept by the hard mask iff r ≥ floor(C_in · ŝ),
/// - kept by the soft mask with probability m_r = Σ_k p_k [r ≥ n_k], n_k = floor(C_in · s_k).
/// The forward pass uses the hard mask, the backward pass the soft one (straight-through).
public struct SparsityLogits: Sendable, Equatable {
    public static let candidateCount = 101
    /// s_k = 1 − k/100.
    public static let candidates: [Double] = (0..<candidateCount).map { 1 - Double($0) / 100 }

    public let groups: Int
    /// C_in: the length of a ranked row.
    public let inputs: Int
    /// groups × 101, row-major.
    public var alpha: [Double]
    /// n_k = floor(C_in · s_k): how many entries candidate k prunes.
    public let pruneCounts: [Int]

    /// Logits initialised to 0: uniform p, ŝ = 0.5 exactly.
    public init(groups: Int, inputs: Int) {
        self.groups = groups
        self.inputs = inputs
        alpha = [Double](repeating: 0, count: groups * Self.candidateCount)
        pruneCounts = Self.candidates.map { Int((Double(inputs) * $0).rounded(.down)) }
    }

    /// softmax(sigmoid(α_g)).
    public func probabilities(group: Int) -> [Double] {
        let z = (0..<Self.candidateCount).map { 1 / (1 + exp(-alpha[group * Self.candidateCount + $0])) }
        let largest = z.max()!
        let e = z.map { exp($0 - largest) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    /// ŝ_g = Σ_k p_k s_k.
    public func sparsity(group: Int) -> Double {
        zip(probabilities(group: group), Self.candidates).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Entries of a row the hard mask prunes: floor(C_in · ŝ_g).
    public func hardPruneCount(group: Int) -> Int {
        Int((Double(inputs) * sparsity(group: group)).rounded(.down))
    }

    /// m_r = Σ_k p_k [r ≥ n_k] for every rank r of a row of `group`.
    public func softKeep(group: Int) -> [Double] {
        let p = probabilities(group: group)
        // p_k added from rank n_k on: a difference array, then a prefix sum.
        var delta = [Double](repeating: 0, count: inputs + 1)
        for (k, count) in pruneCounts.enumerated() { delta[count] += p[k] }
        var running = 0.0
        return (0..<inputs).map { rank in
            running += delta[rank]
            return running
        }
    }

    /// dL/dα of one group, from dL/dm per rank (summed over the group's rows) and dL/dŝ_g.
    ///
    /// dp_k = Σ_{r ≥ n_k} dm_r + dŝ · s_k — a suffix sum read at the 101 cut points, no 101 × C_in loop;
    /// then through the softmax (dz = p ⊙ (dp − Σ p dp)) and the sigmoid (dα = dz ⊙ z (1 − z)).
    public func gradient(group: Int, maskGradientByRank: [Double], sparsityGradient: Double) -> [Double] {
        precondition(maskGradientByRank.count == inputs)
        var suffix = [Double](repeating: 0, count: inputs + 1)
        for rank in stride(from: inputs - 1, through: 0, by: -1) { suffix[rank] = suffix[rank + 1] + maskGradientByRank[rank] }
        let p = probabilities(group: group)
        let dp = (0..<Self.candidateCount).map { suffix[pruneCounts[$0]] + sparsityGradient * Self.candidates[$0] }
        let mean = zip(p, dp).reduce(0) { $0 + $1.0 * $1.1 }
        return (0..<Self.candidateCount).map { k in
            let z = 1 / (1 + exp(-alpha[group * Self.candidateCount + k]))
            return p[k] * (dp[k] - mean) * z * (1 - z)
        }
    }
}
