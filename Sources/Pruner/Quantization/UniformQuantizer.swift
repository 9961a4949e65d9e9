import Foundation

/// Weight-only uniform asymmetric quantization (round to nearest), per output channel or per group
/// of `groupSize` consecutive input columns of a row, with optional clipping of each group's range
/// (OmniQuant's learnable weight clipping, used by BESA's joint compression, paper §3.3).
///
/// For a group with values x: xmax = max(max x, 0), xmin = min(min x, 0) (0 stays exactly
/// representable, so pruned weights stay zero); with clipping strengths γ, β ∈ (0, 1]:
/// a = γ·xmax, b = β·xmin, step s = (a − b) / (2^bits − 1), zero point z = round(−b / s),
/// q = clamp(round(x / s) + z, 0, 2^bits − 1), x̂ = (q − z) · s.
public struct UniformQuantizer: Sendable, Equatable {
    public let bits: Int
    /// Columns per group; 0 = the whole row (per output channel).
    public let groupSize: Int

    public init(bits: Int, groupSize: Int) {
        precondition((2...8).contains(bits), "bits must be in 2...8")
        precondition(groupSize >= 0)
        self.bits = bits
        self.groupSize = groupSize
    }

    public var levels: Int { (1 << bits) - 1 }

    /// Column range of every group of a row with `cols` columns.
    public func groups(cols: Int) -> [Range<Int>] {
        let size = groupSize == 0 ? cols : groupSize
        return stride(from: 0, to: cols, by: size).map { $0..<min($0 + size, cols) }
    }

    /// Groups per row for `cols` columns.
    public func groupCount(cols: Int) -> Int { groupSize == 0 ? 1 : (cols + groupSize - 1) / groupSize }

    /// One group's grid: step and zero point.
    public struct Grid: Sendable, Equatable {
        public var scale: Float
        public var zero: Float
        /// The clipped range [b, a] the grid was made from.
        public var low: Float
        public var high: Float
    }

    /// The grid of values `x` with clipping strengths `upper` (on xmax) and `lower` (on xmin).
    public func grid(_ x: UnsafeBufferPointer<Float>, upper: Float = 1, lower: Float = 1) -> Grid {
        var largest: Float = 0, smallest: Float = 0
        for value in x {
            largest = max(largest, value)
            smallest = min(smallest, value)
        }
        let high = upper * largest, low = lower * smallest
        // An all-zero group: any positive step reproduces it.
        let scale = max((high - low) / Float(levels), 1e-12)
        return Grid(scale: scale, zero: (-low / scale).rounded(), low: low, high: high)
    }

    public func quantize(_ value: Float, _ grid: Grid) -> Float {
        let q = min(max((value / grid.scale).rounded() + grid.zero, 0), Float(levels))
        return (q - grid.zero) * grid.scale
    }

    /// Quantizes a row-major rows × cols matrix; `strengths` gives (upper, lower) per row and
    /// group (row-major, `groupCount(cols:)` per row), all 1 (plain RTN) by default.
    public func quantize(_ matrix: Matrix, strengths: [(upper: Float, lower: Float)]? = nil) -> Matrix {
        var result = matrix
        let ranges = groups(cols: matrix.cols)
        precondition(strengths == nil || strengths!.count == matrix.rows * ranges.count)
        matrix.values.withUnsafeBufferPointer { all in
            for row in 0..<matrix.rows {
                for (g, range) in ranges.enumerated() {
                    let base = row * matrix.cols
                    let strength = strengths?[row * ranges.count + g] ?? (upper: 1, lower: 1)
                    let grid = grid(UnsafeBufferPointer(rebasing: all[base + range.lowerBound..<base + range.upperBound]),
                                    upper: strength.upper, lower: strength.lower)
                    for col in range { result.values[base + col] = quantize(all[base + col], grid) }
                }
            }
        }
        return result
    }

    /// dx̂/da and dx̂/db for one value, with the straight-through estimator for the roundings
    /// (d round(u)/du = 1) and none for the clamp: inside the grid x̂ = round(x/s)·s, so
    /// dx̂/ds = round(x/s) − x/s and b has no other path; clamped, x̂ = (q − z)s with z = round(−b/s),
    /// so dx̂/ds = q − z − b/s and dx̂/db|_s = 1. With s = (a − b)/levels both follow.
    public func rangeGradient(_ value: Float, _ grid: Grid) -> (da: Float, db: Float) {
        let r = (value / grid.scale).rounded()
        let unclamped = r + grid.zero
        let levels = Float(self.levels)
        let dScale: Float, dLowAtFixedScale: Float
        if unclamped >= 0 && unclamped <= levels {
            dScale = r - value / grid.scale
            dLowAtFixedScale = 0
        } else {
            let q: Float = unclamped < 0 ? 0 : levels
            dScale = q - grid.zero - grid.low / grid.scale
            dLowAtFixedScale = 1
        }
        return (dScale / levels, -dScale / levels + dLowAtFixedScale)
    }
}
