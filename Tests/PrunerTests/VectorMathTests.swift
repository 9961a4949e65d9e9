import Foundation
import Testing
@testable import Pruner

/// The vectorised exp against double-precision exp, and the kernels built on it against their
/// scalar definitions.
@Suite struct VectorMathTests {
    @Test func expIsWithinTwoUlpOverTheWholeFiniteRange() {
        var worst = 0.0, at: Float = 0
        var values = (0..<200_000).map { -87.3 + Float($0) * (88.3 + 87.3) / 200_000 }
        values += (-2000...2000).map { Float($0) * 1e-3 }  // around 0 and the rounding boundaries ±ln2/2
        let results = values.map(VectorMath.exp)
        for (x, e) in zip(values, results) {
            let exact = Foundation.exp(Double(x))
            let ulps = abs(Double(e) - exact) / Double(Float(exact).ulp)
            if ulps > worst { (worst, at) = (ulps, x) }
        }
        #expect(worst <= 2, "\(worst) ulp at x = \(at)")
    }

    @Test func expSaturatesOutsideTheRange() {
        let x = SIMD16<Float>(arrayLiteral: -.infinity, -1000, -88, -87.4, 0, 1, 88.4, 1000, .infinity, -0.0, 0.5, -0.5, 10, -10, 20, -20)
        let e = x.indices.reduce(into: x) { $0[$1] = VectorMath.exp(x[$1]) }
        for lane in 0..<4 { #expect(e[lane] == 0, "exp(\(x[lane]))") }
        #expect(e[4] == 1 && e[9] == 1)
        for lane in 6..<9 { #expect(e[lane] == .infinity, "exp(\(x[lane]))") }
    }

    /// Every kernel over lengths with and without a partial last vector.
    @Test(arguments: [1, 15, 16, 17, 100, 576])
    func kernelsMatchTheirScalarDefinitions(count: Int) {
        var generator = SystemRandomNumberGenerator()
        let x = (0..<count).map { _ in Float.random(in: -12...12, using: &generator) }
        let y = (0..<count).map { _ in Float.random(in: -3...3, using: &generator) }

        var softmax = x
        softmax.withUnsafeMutableBufferPointer { VectorMath.softmax($0.baseAddress!, count: count) }
        let largest = Double(x.max()!)
        let total = x.reduce(0.0) { $0 + Foundation.exp(Double($1) - largest) }
        for (ours, value) in zip(softmax, x) {
            let exact = Foundation.exp(Double(value) - largest) / total
            #expect(abs(Double(ours) - exact) <= 1e-6 * exact + 1e-12)
        }

        var gate = x
        gate.withUnsafeMutableBufferPointer { g in y.withUnsafeBufferPointer { VectorMath.swiGLU(g.baseAddress!, $0.baseAddress!, count: count) } }
        for i in 0..<count {
            let exact = Double(x[i]) / (1 + Foundation.exp(-Double(x[i]))) * Double(y[i])
            #expect(abs(Double(gate[i]) - exact) <= 1e-6 * abs(exact) + 1e-12, "silu(\(x[i])) · \(y[i])")
        }

        #expect(x.withUnsafeBufferPointer { VectorMath.maximum($0.baseAddress!, count: count) } == x.max()!)
    }
}
