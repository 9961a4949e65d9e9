/// The pruning methods sparsim runs block by block.
public enum PruningMethod: String, Codable, CaseIterable, Sendable {
    case magnitude, wanda, sparsegpt, besa
    /// No pruning: round-to-nearest quantization only (the recipe's `quantization`).
    case rtn

    /// Whether the method looks at calibration data.
    public var needsData: Bool { self != .magnitude && self != .rtn }
}
