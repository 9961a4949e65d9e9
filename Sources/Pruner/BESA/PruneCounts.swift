import Foundation

/// Turns BESA's learned sparsities into whole-weight prune counts that meet the block's target.
///
/// Training ends with ŝ_block near s* but not on it: the penalty is soft (the reconstruction loss
/// pulls sparsity down until the two gradients balance) and each row's count is floored. The final
/// masks shift every group's ŝ_g by one common δ — keeping the learned allocation's differences —
/// so that the block prunes round(s* · N) weights, then hand out the few weights the flooring
/// leaves over to the groups closest to their next whole weight.
enum PruneCounts {
    /// Per layer, per group: how many of each row's lowest-ranked weights to prune.
    /// - Parameters:
    ///   - sparsities: per layer, the learned ŝ_g of each group.
    ///   - inputs: per layer, C_in (the length of a ranked row).
    ///   - rowsPerGroup: per layer, how many rows share one ŝ_g (1 row-wise, C_out layer-wise).
    static func matching(target: Double, sparsities: [[Double]], inputs: [Int], rowsPerGroup: [Int]) -> [[Int]] {
        precondition(sparsities.count == inputs.count && inputs.count == rowsPerGroup.count)
        let total = zip(sparsities, zip(inputs, rowsPerGroup)).reduce(0) { $0 + $1.0.count * $1.1.0 * $1.1.1 }
        let goal = Int((target * Double(total)).rounded())

        func exact(_ delta: Double, _ layer: Int, _ group: Int) -> Double {
            Double(inputs[layer]) * min(1, max(0, sparsities[layer][group] + delta))
        }
        func counts(_ delta: Double) -> [[Int]] {
            sparsities.indices.map { layer in sparsities[layer].indices.map { Int(exact(delta, layer, $0).rounded(.down)) } }
        }
        func pruned(_ counts: [[Int]]) -> Int {
            counts.indices.reduce(0) { $0 + counts[$1].reduce(0, +) * rowsPerGroup[$1] }
        }
        // The pruned count grows with δ: bisect for the largest δ that does not overshoot.
        var low = -1.0, high = 1.0
        for _ in 0..<64 {
            let middle = (low + high) / 2
            if pruned(counts(middle)) <= goal { low = middle } else { high = middle }
        }
        var result = counts(low)
        var missing = goal - pruned(result)
        let candidates = sparsities.indices.flatMap { layer in sparsities[layer].indices.map { (layer, $0) } }
            .filter { result[$0.0][$0.1] < inputs[$0.0] }
            .sorted { a, b in
                let fa = exact(low, a.0, a.1) - Double(result[a.0][a.1]), fb = exact(low, b.0, b.1) - Double(result[b.0][b.1])
                return fa != fb ? fa > fb : (a.0, a.1) < (b.0, b.1)
            }
        for (layer, group) in candidates where rowsPerGroup[layer] <= missing {
            result[layer][group] += 1
            missing -= rowsPerGroup[layer]
        }
        return result
    }
}
