import Foundation
import SparsimSupport

/// BESA's learnable sparsity for one linear layer (paper §3; docs/design/methods.md, BESA).
///
/// Each group of rows (every row for row-wise BESA, the whole matrix for layer-wise) has logits α
/// over K candidate sparsities s_k = 1 − k/(K − 1) (the reference: K = 101, steps of 1%). With
/// p = softmax(sigmoid(α)) the group's sparsity is ŝ = Σ_k p_k s_k. Weights are ranked within each
/// row by importance (ascending); the entry at rank r is
/// - kept by the hard mask iff r ≥ floor(C_in · ŝ),
/// - kept by the soft mask with probability m_r = Σ_k p_k [r ≥ n_k], n_k = floor(C_in · s_k).
/// The forward pass uses the hard mask, the backward pass the soft one (straight-through).
public struct SparsityLogits: Sendable, Equatable {
    /// How logits become candidate probabilities.
    public enum Parameterization: String, Codable, CaseIterable, Sendable {
        /// The reference's softmax(sigmoid(α)): sigmoid bounds each exponent to (0, 1), so no
        /// candidate weighs more than e times another and ŝ stays within [0.376, 0.624].
        case sigmoidSoftmax = "sigmoid-softmax"
        /// softmax(α): any distribution over the candidates, so ŝ can reach all of [0, 1].
        case softmax
    }

    public static let referenceCandidateCount = 101

    public let groups: Int
    /// C_in: the length of a ranked row.
    public let inputs: Int
    public let parameterization: Parameterization
    /// s_k = 1 − k/(K − 1), from fully pruned to dense.
    public let candidates: [Double]
    /// groups × K, row-major.
    public var alpha: [Double]
    /// n_k = floor(C_in · s_k): how many entries candidate k prunes.
    public let pruneCounts: [Int]

    public var candidateCount: Int { candidates.count }

    /// Logits initialized to 0: uniform p, ŝ = 0.5 exactly.
    public init(groups: Int, inputs: Int, candidates count: Int = referenceCandidateCount,
                parameterization: Parameterization = .sigmoidSoftmax) {
        precondition(count >= 2, "BESA needs at least two candidate sparsities")
        self.groups = groups
        self.inputs = inputs
        self.parameterization = parameterization
        candidates = (0..<count).map { 1 - Double($0) / Double(count - 1) }
        alpha = [Double](repeating: 0, count: groups * count)
        pruneCounts = candidates.map { Int((Double(inputs) * $0).rounded(.down)) }
    }

    /// One group's exponents z (sigmoid(α_g), or α_g itself) and p = softmax(z), written to
    /// `z[0..<K]` and `p[0..<K]`; returns ŝ_g = Σ_k p_k s_k. Every reader of the logits goes
    /// through here, so a step's snapshot and the single-group functions agree to the bit.
    private func distribution(group: Int, exponents z: UnsafeMutablePointer<Double>, probabilities p: UnsafeMutablePointer<Double>) -> Double {
        let count = candidateCount
        return alpha.withUnsafeBufferPointer { alpha in
            candidates.withUnsafeBufferPointer { candidates in
                VectorMath.candidateDistribution(logits: alpha.baseAddress! + group * count, count: count,
                                                 sigmoid: parameterization == .sigmoidSoftmax, candidates: candidates.baseAddress!,
                                                 exponents: z, probabilities: p)
            }
        }
    }

    /// z, p and ŝ of one group, as new arrays.
    private func distribution(group: Int) -> (exponents: [Double], probabilities: [Double], sparsity: Double) {
        var z = [Double](repeating: 0, count: candidateCount), p = z
        let sparsity = z.withUnsafeMutableBufferPointer { z in
            p.withUnsafeMutableBufferPointer { distribution(group: group, exponents: z.baseAddress!, probabilities: $0.baseAddress!) }
        }
        return (z, p, sparsity)
    }

    /// softmax(sigmoid(α_g)), or softmax(α_g).
    public func probabilities(group: Int) -> [Double] {
        distribution(group: group).probabilities
    }

    /// ŝ_g = Σ_k p_k s_k.
    public func sparsity(group: Int) -> Double {
        distribution(group: group).sparsity
    }

    /// Entries of a row the hard mask prunes: floor(C_in · ŝ_g).
    public func hardPruneCount(group: Int) -> Int {
        hardPruneCount(sparsity: sparsity(group: group))
    }

    func hardPruneCount(sparsity: Double) -> Int {
        Int((Double(inputs) * sparsity).rounded(.down))
    }

    /// Everything a training step reads from the logits, computed once per group: the exponents z,
    /// p = softmax(z) (both groups × K, row-major) and ŝ — the values `probabilities` and
    /// `sparsity` compute, in flat arrays filled on all cores (row-wise BESA has thousands of groups).
    public struct Snapshot: Sendable {
        public let exponents: [Double]
        public let probabilities: [Double]
        public let sparsities: [Double]
    }

    public func snapshot() -> Snapshot {
        let count = candidateCount
        var z = [Double](repeating: 0, count: groups * count), p = z, sparsities = [Double](repeating: 0, count: groups)
        z.withUnsafeMutableBufferPointer { z in
        p.withUnsafeMutableBufferPointer { p in
        sparsities.withUnsafeMutableBufferPointer { sparsities in
            nonisolated(unsafe) let (z, p, sparsities) = (z.baseAddress!, p.baseAddress!, sparsities.baseAddress!)
            Parallel.forEach(groups) { group in
                sparsities[group] = distribution(group: group, exponents: z + group * count, probabilities: p + group * count)
            }
        }}}
        return Snapshot(exponents: z, probabilities: p, sparsities: sparsities)
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
    /// dp_k = Σ_{r ≥ n_k} dm_r + dŝ · s_k — a suffix sum read at the K cut points, no K × C_in loop;
    /// then through the softmax (dz = p ⊙ (dp − Σ p dp)) and, in the reference's parameterization,
    /// the sigmoid (dα = dz ⊙ z (1 − z)).
    public func gradient(group: Int, maskGradientByRank: [Double], sparsityGradient: Double) -> [Double] {
        precondition(maskGradientByRank.count == inputs)
        let (z, p, _) = distribution(group: group)
        var result = [Double](repeating: 0, count: candidateCount)
        maskGradientByRank.withUnsafeBufferPointer { byRank in
            result.withUnsafeMutableBufferPointer { result in
                gradient(maskGradientByRank: { byRank[$0] }, exponents: z, probabilities: p, sparsityGradient: sparsityGradient,
                         into: result.baseAddress!)
            }
        }
        return result
    }

    /// The same for a group whose z and p are given (a `Snapshot`'s, at `exponents` and
    /// `probabilities`), dL/dm of rank r as `maskGradientByRank(r)`, written to `result[0..<K]`.
    /// The suffix sum is read in one pass down the ranks, as n_k falls while k rises.
    @inline(__always)
    func gradient(maskGradientByRank: (Int) -> Double, exponents z: UnsafePointer<Double>, probabilities p: UnsafePointer<Double>,
                  sparsityGradient: Double, into result: UnsafeMutablePointer<Double>) {
        var tail = 0.0, rank = inputs, mean = 0.0
        for k in 0..<candidateCount {  // result[k] = dp_k first
            while rank > pruneCounts[k] {
                rank -= 1
                tail += maskGradientByRank(rank)
            }
            result[k] = tail + sparsityGradient * candidates[k]
            mean += p[k] * result[k]
        }
        for k in 0..<candidateCount {
            let dz = p[k] * (result[k] - mean)
            result[k] = parameterization == .sigmoidSoftmax ? dz * z[k] * (1 - z[k]) : dz
        }
    }
}
