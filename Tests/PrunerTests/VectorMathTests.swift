import Foundation
import SparsimSupport
import Testing
import Traces
@testable import Pruner

/// The vectorized exp against double-precision exp, and the kernels built on it against their
/// scalar definitions.
@Suite struct VectorMathTests {
    /// Every copy of the kernels this CPU runs (the C target compiles three; all are checked here).
    static let levels = VectorMath.InstructionSet.allCases.filter { $0.rawValue <= VectorMath.InstructionSet.supported.rawValue }

    static func exp(_ values: [Float], _ level: VectorMath.InstructionSet) -> [Float] {
        var results = values
        results.withUnsafeMutableBufferPointer { VectorMath.expInPlace($0.baseAddress!, count: $0.count, using: level) }
        return results
    }

    @Test(arguments: levels)
    func expIsWithinTwoUlpOverTheWholeFiniteRange(level: VectorMath.InstructionSet) {
        var worst = 0.0, at: Float = 0
        var values = (0..<200_000).map { -87.3 + Float($0) * (88.3 + 87.3) / 200_000 }
        values += (-2000...2000).map { Float($0) * 1e-3 }  // around 0 and the rounding boundaries ±ln2/2
        for (x, e) in zip(values, Self.exp(values, level)) {
            let exact = Foundation.exp(Double(x))
            let ulps = abs(Double(e) - exact) / Double(Float(exact).ulp)
            if ulps > worst { (worst, at) = (ulps, x) }
        }
        #expect(worst <= 2, "\(worst) ulp at x = \(at)")
    }

    @Test(arguments: levels)
    func doubleExpIsWithinTwoUlpOverTheWholeRange(level: VectorMath.InstructionSet) {
        var x = (0..<200_000).map { -708 + Double($0) * (709 + 708) / 200_000 }
        x += (-3000...3000).map { Double($0) * 1e-3 }  // around 0 and the rounding boundaries ±ln2/2
        var e = [Double](repeating: 0, count: x.count)
        VectorMath.exp(x, into: &e, count: x.count, using: level)
        var worst = 0.0, at = 0.0
        for (value, result) in zip(x, e) {
            let exact = Foundation.exp(value)
            let ulps = abs(result - exact) / exact.ulp
            if ulps > worst { (worst, at) = (ulps, value) }
        }
        #expect(worst <= 2, "\(worst) ulp at x = \(at)")
    }

    /// z = sigmoid(α), p = softmax(z) and Σ p·s against the same in Foundation's exp, both
    /// parameterizations, odd lengths (the vector tails).
    @Test(arguments: levels, [2, 7, 101])
    func candidateDistributionMatchesItsDefinition(level: VectorMath.InstructionSet, count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        let alpha = (0..<count).map { _ in Double.random(in: -8...8, using: &generator) }
        let candidates = (0..<count).map { 1 - Double($0) / Double(count - 1) }
        for sigmoid in [true, false] {
            var z = [Double](repeating: 0, count: count), p = z
            let sparsity = VectorMath.candidateDistribution(logits: alpha, count: count, sigmoid: sigmoid, candidates: candidates,
                                                            exponents: &z, probabilities: &p, using: level)
            let exactZ = alpha.map { sigmoid ? 1 / (1 + Foundation.exp(-$0)) : $0 }
            let largest = exactZ.max()!, e = exactZ.map { Foundation.exp($0 - largest) }, total = e.reduce(0, +)
            let exactP = e.map { $0 / total }
            for k in 0..<count {
                #expect(abs(z[k] - exactZ[k]) <= 4 * exactZ[k].ulp, "z[\(k)]")
                #expect(abs(p[k] - exactP[k]) <= 1e-15 * exactP[k] + 1e-300, "p[\(k)] \(p[k]) vs \(exactP[k])")
            }
            let exactSparsity = zip(exactP, candidates).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs(sparsity - exactSparsity) <= 1e-15)
        }
    }

    @Test(arguments: levels)
    func expSaturatesOutsideTheRange(level: VectorMath.InstructionSet) {
        let x: [Float] = [-.infinity, -1000, -88, -87.4, 0, 1, 88.4, 1000, .infinity, -0.0, 0.5, -0.5, 10, -10, 20, -20, 3]
        let e = Self.exp(x, level)
        for lane in 0..<4 { #expect(e[lane] == 0, "exp(\(x[lane]))") }
        #expect(e[4] == 1 && e[9] == 1)
        for lane in 6..<9 { #expect(e[lane] == .infinity, "exp(\(x[lane]))") }
    }

    /// Every kernel over lengths with and without a partial last vector, at every level.
    @Test(arguments: levels, [1, 15, 16, 17, 100, 576, 1500])
    func kernelsMatchTheirScalarDefinitions(level: VectorMath.InstructionSet, count: Int) {
        var generator = SystemRandomNumberGenerator()
        let x = (0..<count).map { _ in Float.random(in: -12...12, using: &generator) }
        let y = (0..<count).map { _ in Float.random(in: -3...3, using: &generator) }
        let dm = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }

        var softmax = x
        softmax.withUnsafeMutableBufferPointer { VectorMath.softmax($0.baseAddress!, count: count, using: level) }
        let largest = Double(x.max()!)
        let total = x.reduce(0.0) { $0 + Foundation.exp(Double($1) - largest) }
        for (ours, value) in zip(softmax, x) {
            let exact = Foundation.exp(Double(value) - largest) / total
            #expect(abs(Double(ours) - exact) <= 1e-6 * exact + 1e-12)
        }

        var gate = x
        gate.withUnsafeMutableBufferPointer { g in y.withUnsafeBufferPointer { VectorMath.swiGLU(g.baseAddress!, $0.baseAddress!, count: count, using: level) } }
        var dGate = [Float](repeating: .nan, count: count), dUp = dGate
        x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { b in dm.withUnsafeBufferPointer { d in
            dGate.withUnsafeMutableBufferPointer { dg in dUp.withUnsafeMutableBufferPointer { du in
                VectorMath.swiGLUBackward(gate: a.baseAddress!, up: b.baseAddress!, dm: d.baseAddress!,
                                          dGate: dg.baseAddress!, dUp: du.baseAddress!, count: count, using: level)
            }}
        }}}
        for i in 0..<count {
            let a = Double(x[i]), b = Double(y[i]), sigma = 1 / (1 + Foundation.exp(-a))
            let exact = a * sigma * b
            #expect(abs(Double(gate[i]) - exact) <= 1e-6 * abs(exact) + 1e-12, "silu(\(x[i])) · \(y[i])")
            let exactUp = Double(dm[i]) * a * sigma, exactGate = Double(dm[i]) * b * sigma * (1 + a * (1 - sigma))
            #expect(abs(Double(dUp[i]) - exactUp) <= 1e-6 * abs(exactUp) + 1e-12, "dUp at silu'(\(x[i]))")
            #expect(abs(Double(dGate[i]) - exactGate) <= 1e-5 * abs(exactGate) + 1e-7, "dGate at silu'(\(x[i]))")
        }

        // Sums in float lanes: within a few float roundings of the double sum of |terms|.
        let exactDot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let magnitude = zip(x, y).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
        let dot = x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { VectorMath.dot(a.baseAddress!, $0.baseAddress!, count: count, using: level) } }
        #expect(abs(Double(dot) - exactDot) <= 1e-6 * magnitude)

        var scaled = x
        scaled.withUnsafeMutableBufferPointer { VectorMath.scale($0.baseAddress!, count: count, by: 0.37, using: level) }
        #expect(scaled == x.map { $0 * 0.37 })

        #expect(x.withUnsafeBufferPointer { VectorMath.maximum($0.baseAddress!, count: count, using: level) } == x.max()!)
    }

    @Test func theSupportedLevelIsTheDefault() {
        // A level above the supported one falls back to it instead of running instructions the CPU lacks.
        let x: [Float] = (0..<100).map { Float($0) / 10 }
        #expect(Self.exp(x, .avx512) == Self.exp(x, VectorMath.InstructionSet.supported))
        var defaulted = x
        defaulted.withUnsafeMutableBufferPointer { VectorMath.expInPlace($0.baseAddress!, count: $0.count) }
        #expect(defaulted == Self.exp(x, VectorMath.InstructionSet.supported))
    }
}
