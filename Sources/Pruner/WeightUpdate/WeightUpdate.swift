import Traces

/// What happens to a layer's kept weights once BESA has fixed its mask. BESA only chooses which
/// weights to drop; SparseGPT also rewrites the ones it keeps, which is worth a lot on small models.
/// These combine the two, each layer on its own inputs' Hessian H = (2/N) Σ XᵀX.
public enum WeightUpdate: String, Codable, CaseIterable, Sendable {
    /// Kept weights as they were (BESA as the paper defines it).
    case none
    /// SparseGPT's OBS column sweep with BESA's mask fixed: each dropped weight's error spread over
    /// the row's later weights.
    case sparsegpt
    /// The exact least-squares kept weights for BESA's mask (`MaskedLeastSquares`).
    case lstsq
    /// The reverse combination: SparseGPT prunes each row (row-wise BESA) or layer (layer-wise) to
    /// the sparsity BESA learned for it, choosing its own mask and updating as it goes.
    case reprune

    public var needsHessian: Bool { self != .none }

    /// `layer` carries BESA's mask; the result carries the updated weights (and, for `reprune`,
    /// SparseGPT's mask). `perRow` says whether BESA learned one sparsity per row or one per layer.
    func apply(to layer: TraceLayer, original: Matrix, hessian: Matrix, perRow: Bool,
               log: (String) -> Void) throws(LinearAlgebraError) -> TraceLayer {
        var result = layer
        switch self {
        case .none:
            return layer
        case .sparsegpt:
            result.weight = try SparseGPT.prune(original, hessian: hessian, rule: .fixed(layer.mask), log: log).weight.values
        case .lstsq:
            result.weight = try MaskedLeastSquares.solve(original, mask: layer.mask, hessian: hessian, log: log).values
        case .reprune:
            let rule: SparseGPT.MaskRule = perRow
                ? .rowCounts(layer.mask.rowCounts().map { layer.mask.cols - $0 })
                : .unstructured(sparsity: layer.mask.sparsity)
            let pruned = try SparseGPT.prune(original, hessian: hessian, rule: rule, log: log)
            result.mask = pruned.mask
            result.weight = pruned.weight.values
        }
        return result
    }
}
