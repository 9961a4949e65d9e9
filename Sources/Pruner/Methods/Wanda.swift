import Traces

/// Wanda (Sun et al. 2023): score S_ij = |W_ij| · sqrt(norm2_j), with norm2_j the mean over
/// calibration windows of Σ_tokens x_tj² for input channel j. Each output row prunes its
/// floor(C_in · s) lowest scores (every row the same count); N:M prunes the N lowest of each group.
/// Weights are not updated.
public enum Wanda {
    public static func scores(_ weight: Matrix, inputNorms: [Float]) -> [Float] {
        precondition(inputNorms.count == weight.cols, "one input norm per column")
        let scale = inputNorms.map { $0.squareRoot() }
        var scores = weight.values
        for row in 0..<weight.rows {
            for col in 0..<weight.cols { scores[row * weight.cols + col] = abs(scores[row * weight.cols + col]) * scale[col] }
        }
        return scores
    }

    public static func prune(_ weight: Matrix, inputNorms: [Float], sparsity: Double, pattern: SparsityPattern) -> KeepMask {
        let scores = scores(weight, inputNorms: inputNorms)
        switch pattern {
        case .unstructured:
            return RowScores.lowestPerRow(scores, rows: weight.rows, cols: weight.cols, count: Int(Double(weight.cols) * sparsity))
        case .nOfM(let n, let m):
            return RowScores.nOfM(scores, rows: weight.rows, cols: weight.cols, n: n, m: m)
        }
    }
}
