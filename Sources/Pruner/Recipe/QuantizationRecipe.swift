/// Weight-only quantization of a prune run: uniform asymmetric, `bits` wide, one scale and zero
/// point per `groupSize` input columns (0: per output channel).
public struct QuantizationRecipe: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, CaseIterable, Sendable {
        /// BESA learns each linear's clipping with its masks (the paper's §3.3).
        case joint
        /// Prune, then round to nearest.
        case rtn
    }

    public var bits: Int
    public var groupSize: Int
    public var mode: Mode
    /// Joint: Adam's step size on the clipping logits (OmniQuant's 1e-2).
    public var clippingLearningRate: Double

    public init(bits: Int, groupSize: Int = 0, mode: Mode, clippingLearningRate: Double = 1e-2) {
        self.bits = bits
        self.groupSize = groupSize
        self.mode = mode
        self.clippingLearningRate = clippingLearningRate
    }

    /// The default mode: BESA learns its clipping, the other methods round after pruning.
    public static func defaultMode(for method: PruningMethod) -> Mode { method == .besa ? .joint : .rtn }

    public var quantizer: UniformQuantizer { UniformQuantizer(bits: bits, groupSize: groupSize) }

    func validate() throws(RecipeError) {
        guard (2...8).contains(bits) else { throw RecipeError("--wbits \(bits) is outside 2...8") }
        guard groupSize >= 0 else { throw RecipeError("--group-size must be 0 (per channel) or positive") }
        guard clippingLearningRate > 0, clippingLearningRate.isFinite else { throw RecipeError("--clipping-lr must be positive and finite") }
    }
}
