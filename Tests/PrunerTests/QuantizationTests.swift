import Foundation
import SparsimSupport
import Testing
import Traces
@testable import Pruner

@Suite struct QuantizationTests {
    static func random(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { i in Float.random(in: -1...1, using: &generator) * (i % 7 == 0 ? 3 : 1) })
    }

    @Test(arguments: [(2, 0), (3, 8), (4, 0), (4, 16), (8, 5)])
    func roundToNearestIsWithinHalfAStepAndOnTheGrid(bits: Int, groupSize: Int) {
        let quantizer = UniformQuantizer(bits: bits, groupSize: groupSize)
        var matrix = Self.random(6, 40, seed: UInt64(bits * 100 + groupSize))
        for i in stride(from: 0, to: matrix.values.count, by: 3) { matrix.values[i] = 0 }  // pruned weights
        let quantized = quantizer.quantize(matrix)
        for row in 0..<matrix.rows {
            for range in quantizer.groups(cols: matrix.cols) {
                let values = range.map { matrix[row, $0] }
                let high = max(values.max()!, 0), low = min(values.min()!, 0)
                let step = (high - low) / Float((1 << bits) - 1)
                // Brute force: the nearest of the 2^bits grid points (q − z)·s.
                let zero = (-low / step).rounded()
                let grid = (0..<(1 << bits)).map { (Float($0) - zero) * step }
                for col in range {
                    let x = matrix[row, col], q = quantized[row, col]
                    #expect(abs(q - x) <= step / 2 * (1 + 1e-5), "error beyond half a step")
                    let nearest = grid.min { abs($0 - x) < abs($1 - x) }!
                    #expect(abs(q - nearest) <= 1e-6 * max(1, abs(x)) || abs(abs(q - x) - abs(nearest - x)) <= 1e-6, "not the nearest grid point")
                    if x == 0 { #expect(q == 0, "zero must stay exactly zero") }
                }
                #expect(Set(range.map { quantized[row, $0] }).count <= 1 << bits)
            }
        }
    }

    @Test func clippingStrengthOneIsPlainRoundToNearest() {
        let quantizer = UniformQuantizer(bits: 4, groupSize: 8)
        let matrix = Self.random(5, 24, seed: 9)
        let ones = [(upper: Float, lower: Float)](repeating: (1, 1), count: 5 * 3)
        #expect(quantizer.quantize(matrix, strengths: ones) == quantizer.quantize(matrix))
        // Clipping shrinks the range: the largest magnitude is no longer reproduced.
        let clipped = quantizer.quantize(matrix, strengths: [(upper: Float, lower: Float)](repeating: (0.5, 0.5), count: 15))
        #expect(clipped.values.map(abs).max()! < matrix.values.map(abs).max()! * 0.6)
    }

    /// d(Σ c ⊙ Ŵ)/dθ against central differences of the straight-through surrogate: the roundings'
    /// residuals and the clamp decisions frozen at θ, everything else exact, in Double.
    @Test(arguments: [0, 8])
    func clippingGradientMatchesFiniteDifferencesOfTheSurrogate(groupSize: Int) {
        let quantizer = UniformQuantizer(bits: 3, groupSize: groupSize)
        let matrix = Self.random(3, 16, seed: 21)
        var clipping = LearnableClipping(quantizer: quantizer, rows: 3, cols: 16)
        var generator = SeededGenerator(seed: 5)
        for i in clipping.logits.indices { clipping.logits[i] = Double.random(in: 0.5...2.5, using: &generator) }
        let upstream = Matrix(rows: 3, cols: 16, values: (0..<48).map { _ in Float.random(in: -1...1, using: &generator) })
        let analytic = clipping.gradient(masked: matrix, weightGradient: upstream)

        let levels = Double(quantizer.levels)
        let ranges = quantizer.groups(cols: 16)
        func surrogateLoss(_ logits: [Double], frozenAt base: [Double]) -> Double {
            var loss = 0.0
            for row in 0..<3 {
                for (g, range) in ranges.enumerated() {
                    let index = row * ranges.count + g
                    let values = range.map { Double(matrix[row, $0]) }
                    let xmax = max(values.max()!, 0), xmin = min(values.min()!, 0)
                    func grid(_ l: [Double]) -> (s: Double, b: Double) {
                        let a = xmax / (1 + exp(-l[2 * index])), b = xmin / (1 + exp(-l[2 * index + 1]))
                        return ((a - b) / levels, b)
                    }
                    let (s0, b0) = grid(base), (s, b) = grid(logits)
                    let z0 = (-b0 / s0).rounded()
                    for (offset, col) in range.enumerated() {
                        let x = values[offset]
                        let r0 = (x / s0).rounded()
                        let r = x / s + (r0 - x / s0), z = -b / s + (z0 + b0 / s0)
                        let inside = r0 + z0 >= 0 && r0 + z0 <= levels
                        let q = inside ? r + z : (r0 + z0 < 0 ? 0 : levels)
                        loss += Double(upstream[row, col]) * (q - z) * s
                    }
                }
            }
            return loss
        }
        let h = 1e-5
        for i in clipping.logits.indices {
            var plus = clipping.logits, minus = clipping.logits
            plus[i] += h
            minus[i] -= h
            let numeric = (surrogateLoss(plus, frozenAt: clipping.logits) - surrogateLoss(minus, frozenAt: clipping.logits)) / (2 * h)
            #expect(abs(analytic[i] - numeric) <= 1e-4 * max(1, abs(numeric)), "θ[\(i)]: \(analytic[i]) vs \(numeric)")
        }
    }
}
