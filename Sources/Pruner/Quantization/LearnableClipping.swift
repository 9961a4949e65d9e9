import Foundation

/// OmniQuant's learnable weight clipping for one linear layer, as BESA learns it jointly with the
/// sparsity logits (paper §3.3): every row and quantization group has two logits θ, whose sigmoids
/// scale the group's xmax and xmin. Trained on the block loss through `UniformQuantizer`'s
/// straight-through gradients.
public struct LearnableClipping: Sendable {
    /// σ(4) = 0.982: OmniQuant's starting point, within 2% of no clipping.
    public static let initialLogit = 4.0

    public let quantizer: UniformQuantizer
    public let rows: Int
    public let cols: Int
    /// Per row and group: (θ_upper, θ_lower), flat.
    public var logits: [Double]

    public init(quantizer: UniformQuantizer, rows: Int, cols: Int) {
        self.quantizer = quantizer
        self.rows = rows
        self.cols = cols
        logits = [Double](repeating: Self.initialLogit, count: 2 * rows * quantizer.groupCount(cols: cols))
    }

    /// (σ(θ_upper), σ(θ_lower)) per row and group.
    public var strengths: [(upper: Float, lower: Float)] {
        stride(from: 0, to: logits.count, by: 2).map { (Float(Self.sigmoid(logits[$0])), Float(Self.sigmoid(logits[$0 + 1]))) }
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// The quantized weights of `masked` (W ⊙ M, C_out × C_in) with the current clipping.
    public func quantize(_ masked: Matrix) -> Matrix {
        quantizer.quantize(masked, strengths: strengths)
    }

    /// dL/dθ (same layout as `logits`) from dL/dŴ, Ŵ = quantize(masked).
    ///
    /// Per group: dL/da = Σ_j dL/dŴ_j · dx̂_j/da, and a = σ(θ_u)·xmax gives da/dθ_u = (1 − σ(θ_u))·a
    /// (likewise b with θ_l). Pruned weights (x = 0) sit exactly on the grid and contribute nothing.
    public func gradient(masked: Matrix, weightGradient: Matrix) -> [Double] {
        precondition(masked.rows == rows && masked.cols == cols && weightGradient.values.count == masked.values.count)
        let ranges = quantizer.groups(cols: cols)
        let strengths = self.strengths
        var result = [Double](repeating: 0, count: logits.count)
        masked.values.withUnsafeBufferPointer { all in
            for row in 0..<rows {
                let base = row * cols
                for (g, range) in ranges.enumerated() {
                    let index = row * ranges.count + g
                    let grid = quantizer.grid(UnsafeBufferPointer(rebasing: all[base + range.lowerBound..<base + range.upperBound]),
                                              upper: strengths[index].upper, lower: strengths[index].lower)
                    var dHigh = 0.0, dLow = 0.0
                    for col in range {
                        let (da, db) = quantizer.rangeGradient(all[base + col], grid)
                        let upstream = Double(weightGradient.values[base + col])
                        dHigh += upstream * Double(da)
                        dLow += upstream * Double(db)
                    }
                    result[2 * index] = dHigh * (1 - Double(strengths[index].upper)) * Double(grid.high)
                    result[2 * index + 1] = dLow * (1 - Double(strengths[index].lower)) * Double(grid.low)
                }
            }
        }
        return result
    }
}
