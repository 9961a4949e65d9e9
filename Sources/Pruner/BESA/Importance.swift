/// How BESA ranks each row's weights before it learns how many of them to drop (the paper's
/// Appendix A compares these; it uses Wanda's).
public enum Importance: String, Codable, CaseIterable, Sendable {
    /// |W_ij| · ‖X_j‖, Wanda's score (the paper's choice).
    case wanda
    /// |W_ij|.
    case magnitude
    /// W_ij² / [(H + λI)⁻¹]_jj: the optimal-brain-surgeon saliency SparseGPT prunes by, the error
    /// that dropping W_ij alone would cost once the rest of the row compensates (λ: `Damping`).
    case obs

    public var needsHessian: Bool { self == .obs }

    /// One score per weight (row-major, like the weight); a higher score is kept longer.
    func scores(_ weight: Matrix, statistics: InputStatistics) throws(LinearAlgebraError) -> [Float] {
        switch self {
        case .wanda:
            return Wanda.scores(weight, inputNorms: statistics.meanSquaredNorms)
        case .magnitude:
            return weight.values.map { abs($0) }
        case .obs:
            let h = statistics.hessian
            let inverse = try LAPACK.inverseSPD(Damping.damped(h, lambda: Damping.lambda(for: h)))
            var scores = weight.values
            for row in 0..<weight.rows {
                for col in 0..<weight.cols {
                    let w = scores[row * weight.cols + col]
                    scores[row * weight.cols + col] = w * w / inverse[col, col]
                }
            }
            return scores
        }
    }
}
