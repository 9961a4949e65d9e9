import Foundation
import SparsimSupport
import Traces

/// Everything that decides a prune run's result: the one description of a run from which the CLI's
/// options, the checkpoint's settings, the trace's method name and `bench prune` all derive.
/// Encoded as JSON (sorted keys) it is what a checkpoint compares and what a trace records.
public struct PruneRecipe: Codable, Equatable, Sendable {
    public var method: PruningMethod
    /// The fraction of each layer's weights to prune: N/M for an N:M pattern, 0 for `rtn`.
    public var sparsity: Double
    public var pattern: SparsityPattern
    /// How the target is shared out over the blocks.
    public var allocation = SparsityAllocation.uniform
    /// BESA's learning settings (used by `.besa` only).
    public var besa = BESA.Options()
    /// What happens to the kept weights once a block's masks are final.
    public var weightUpdate: WeightUpdate
    public var quantization: QuantizationRecipe?
    /// The calibration windows (nil for the methods that look at no data).
    public var calibration: CalibrationRecipe?

    /// A recipe with every setting at its default: the sparsity an N:M pattern implies, and
    /// BESA's least-squares update unless it learns quantization jointly (`defaultWeightUpdate`).
    public init(method: PruningMethod, sparsity: Double = 0.5, pattern: SparsityPattern = .unstructured,
                weightUpdate: WeightUpdate? = nil, quantization: QuantizationRecipe? = nil, calibration: CalibrationRecipe? = nil) {
        self.method = method
        self.sparsity = method == .rtn ? 0 : pattern.impliedSparsity ?? sparsity
        self.pattern = pattern
        self.quantization = quantization
        self.calibration = calibration
        self.weightUpdate = weightUpdate ?? Self.defaultWeightUpdate(method: method, quantization: quantization)
    }

    /// BESA's masks with the exact least-squares weights beat every other combination measured
    /// (docs/results/besa.md); the other methods stay as their papers define them, and an update
    /// would undo jointly learned quantization.
    public static func defaultWeightUpdate(method: PruningMethod, quantization: QuantizationRecipe?) -> WeightUpdate {
        method == .besa && quantization?.mode != .joint ? .lstsq : .none
    }

    /// BESA learns quantization with the masks (the paper's §3.3).
    public var learnsQuantization: Bool { method == .besa && quantization?.mode == .joint }

    /// Checks the settings against each other; the messages name the CLI's options.
    public func validate() throws(RecipeError) {
        if case .unstructured = pattern, !(sparsity >= 0 && sparsity < 1) { throw RecipeError("--sparsity \(sparsity) is outside [0, 1)") }
        if method == .rtn {
            guard quantization != nil else { throw RecipeError("--method rtn needs --wbits") }
            guard pattern == .unstructured else { throw RecipeError("--method rtn does not prune; drop --pattern") }
        }
        if method == .besa {
            guard pattern == .unstructured else { throw RecipeError("BESA learns unstructured sparsity; drop --pattern") }
            try besa.validate()
        }
        guard weightUpdate == .none || method.needsData else {
            throw RecipeError("--update-weights needs calibration data: use it with wanda, sparsegpt or besa, not \(method.rawValue)")
        }
        if let quantization {
            try quantization.validate()
            if quantization.mode == .joint {
                guard method == .besa else {
                    throw RecipeError("--quantization joint learns clipping with BESA; use --method besa, or --quantization rtn")
                }
                guard weightUpdate == .none else {
                    throw RecipeError("--update-weights would undo the jointly learned quantization; use --quantization rtn to quantize after the update")
                }
            }
        }
    }

    /// The check that needs the model (`validate()` does the others): N:M groups must tile every row.
    public func validate(for config: LlamaConfig) throws(RecipeError) {
        if case .nOfM(let n, let m) = pattern {
            for projection in Projection.allCases where config.shape(of: projection).cols % m != 0 {
                throw RecipeError("\(n):\(m) does not divide C_in = \(config.shape(of: projection).cols) of \(projection.rawValue)")
            }
        }
    }

    /// The trace's method name: the method, then whatever departs from its defaults (so that an
    /// ablation's traces tell themselves apart in `compare`), e.g. `besa-row+lstsq+w4-rtng128`.
    public var name: String {
        var name = method == .besa ? "besa-\(besa.granularity.rawValue)" : method.rawValue
        if weightUpdate != .none { name += "+\(weightUpdate.rawValue)" }
        if method == .besa { name += besa.departuresFromDefaults.map { "+" + $0 }.joined() }
        if let quantization {
            name += method == .rtn ? "-w\(quantization.bits)" : "+w\(quantization.bits)-\(quantization.mode.rawValue)"
            if quantization.groupSize > 0 { name += "g\(quantization.groupSize)" }
        }
        return name
    }

    /// One setting a line, the same text for the same recipe (`StableJSON`).
    public var json: String { StableJSON.text(of: self) }
}

extension PruneRecipe {
    private enum CodingKeys: String, CodingKey {
        case method, sparsity, pattern, allocation, besa, weightUpdate, quantization, calibration
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(PruningMethod.self, forKey: .method)
        sparsity = try container.decode(Double.self, forKey: .sparsity)
        pattern = try container.decode(SparsityPattern.self, forKey: .pattern)
        allocation = try container.decode(SparsityAllocation.self, forKey: .allocation)
        besa = try container.decodeIfPresent(BESA.Options.self, forKey: .besa) ?? BESA.Options()
        weightUpdate = try container.decode(WeightUpdate.self, forKey: .weightUpdate)
        quantization = try container.decodeIfPresent(QuantizationRecipe.self, forKey: .quantization)
        calibration = try container.decodeIfPresent(CalibrationRecipe.self, forKey: .calibration)
    }

    /// BESA's settings are written for BESA only: the other methods do not read them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode(sparsity, forKey: .sparsity)
        try container.encode(pattern, forKey: .pattern)
        try container.encode(allocation, forKey: .allocation)
        if method == .besa { try container.encode(besa, forKey: .besa) }
        try container.encode(weightUpdate, forKey: .weightUpdate)
        try container.encodeIfPresent(quantization, forKey: .quantization)
        try container.encodeIfPresent(calibration, forKey: .calibration)
    }
}

/// A recipe whose settings contradict each other or the model.
public struct RecipeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How the overall target is shared out over the blocks.
public enum SparsityAllocation: String, Codable, CaseIterable, Sendable {
    /// Every block (and, outside BESA, every layer) at the target.
    case uniform
}
