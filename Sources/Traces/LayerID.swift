/// One of the seven linear layers of a LLaMA decoder block.
public enum Projection: String, CaseIterable, Sendable, Comparable, Codable {
    case q = "q_proj"
    case k = "k_proj"
    case v = "v_proj"
    case o = "o_proj"
    case gate = "gate_proj"
    case up = "up_proj"
    case down = "down_proj"

    /// The submodule that holds the layer in Hugging Face naming (`self_attn` or `mlp`).
    public var module: String {
        switch self {
        case .q, .k, .v, .o: "self_attn"
        case .gate, .up, .down: "mlp"
        }
    }

    /// Accepts `gate_proj`, `gate`, or `mlp.gate_proj`.
    public init?(name: String) {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        if let projection = Projection(rawValue: last) {
            self = projection
        } else if let projection = Projection(rawValue: last + "_proj") {
            self = projection
        } else {
            return nil
        }
    }

    public static func < (lhs: Projection, rhs: Projection) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// C_out × C_in of this projection in a LLaMA block (`keyValueSize` < `hiddenSize` with
    /// grouped-query attention).
    public func shape(hiddenSize: Int, intermediateSize: Int, keyValueSize: Int) -> (rows: Int, cols: Int) {
        switch self {
        case .q, .o: (hiddenSize, hiddenSize)
        case .k, .v: (keyValueSize, hiddenSize)
        case .gate, .up: (intermediateSize, hiddenSize)
        case .down: (hiddenSize, intermediateSize)
        }
    }
}

/// A linear layer of the model: its decoder block and its projection.
public struct LayerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let block: Int
    public let projection: Projection

    public init(block: Int, projection: Projection) {
        self.block = block
        self.projection = projection
    }

    /// `model.layers.3.mlp.gate_proj`: the parameter prefix in Hugging Face checkpoints.
    public var huggingFaceName: String { "model.layers.\(block).\(projection.module).\(projection.rawValue)" }

    /// `/layers/3/gate_proj`: where the layer lives in a trace.
    public var tracePath: String { "/layers/\(block)/\(projection.rawValue)" }

    public var description: String { "block \(block) \(projection.rawValue)" }

    public static func < (lhs: LayerID, rhs: LayerID) -> Bool {
        (lhs.block, lhs.projection) < (rhs.block, rhs.projection)
    }
}
