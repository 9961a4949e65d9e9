import Foundation
import Testing
import Traces
@testable import Pruner

/// Each backward against central finite differences of a plain Double forward, relative error < 1e-4.
@Suite struct LayerGradientTests {
    static func random(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in (generator.nextUnit() * 2 - 1) * scale }
    }

    static func matrix(_ rows: Int, _ cols: Int, _ values: [Double]) -> Matrix {
        Matrix(rows: rows, cols: cols, values: values.map(Float.init))
    }

    /// Central differences of a scalar function of a vector.
    static func numericGradient(_ values: [Double], _ f: ([Double]) -> Double) -> [Double] {
        values.indices.map { i in
            var plus = values, minus = values
            let h = 1e-5 * max(1, abs(values[i]))
            plus[i] += h
            minus[i] -= h
            return (f(plus) - f(minus)) / (2 * h)
        }
    }

    static func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        let scale = b.map(abs).max()!
        return zip(a, b).map { abs(Double($0) - $1) }.max()! / scale
    }

    @Test func maskedLinear() {
        let (t, out, inp) = (5, 4, 6)
        let x = Self.random(t * inp, seed: 1), w = Self.random(out * inp, seed: 2)
        let m = Self.random(out * inp, seed: 3).map { $0 > -0.3 ? 1.0 : 0.0 }
        let c = Self.random(t * out, seed: 4)  // L = Σ c ⊙ y
        func forward(_ x: [Double], _ m: [Double]) -> Double {
            var total = 0.0
            for i in 0..<t {
                for o in 0..<out {
                    var y = 0.0
                    for j in 0..<inp { y += x[i * inp + j] * w[o * inp + j] * m[o * inp + j] }
                    total += c[i * out + o] * y
                }
            }
            return total
        }
        let masked = zip(w, m).map { $0 * $1 }
        let (dx, dMask) = LayerGradients.maskedLinear(x: Self.matrix(t, inp, x), maskedWeight: Self.matrix(out, inp, masked),
                                                      weight: Self.matrix(out, inp, w), dy: Self.matrix(t, out, c))
        #expect(Self.relativeError(dx.values, Self.numericGradient(x) { forward($0, m) }) < 1e-4)
        #expect(Self.relativeError(dMask.values, Self.numericGradient(m) { forward(x, $0) }) < 1e-4)
    }

    @Test func rmsNorm() {
        let (t, d) = (3, 8)
        let x = Self.random(t * d, seed: 5), g = Self.random(d, seed: 6).map { 1 + $0 * 0.5 }, c = Self.random(t * d, seed: 7)
        let eps = 1e-5
        func forward(_ x: [Double]) -> Double {
            var total = 0.0
            for i in 0..<t {
                var squares = 0.0
                for j in 0..<d { squares += x[i * d + j] * x[i * d + j] }
                let r = (squares / Double(d) + eps).squareRoot()
                for j in 0..<d { total += c[i * d + j] * g[j] * x[i * d + j] / r }
            }
            return total
        }
        let dx = LayerGradients.rmsNorm(x: Self.matrix(t, d, x), weight: g.map(Float.init), epsilon: eps, dy: Self.matrix(t, d, c))
        #expect(Self.relativeError(dx.values, Self.numericGradient(x, forward)) < 1e-4)
    }

    @Test func swiGLU() {
        let n = 12
        let a = Self.random(n, seed: 8, scale: 3), b = Self.random(n, seed: 9), c = Self.random(n, seed: 10)
        func forward(_ a: [Double], _ b: [Double]) -> Double {
            var total = 0.0
            for i in 0..<n {
                let silu: Double = a[i] / (1 + exp(-a[i]))
                total += c[i] * silu * b[i]
            }
            return total
        }
        let (dGate, dUp) = LayerGradients.swiGLU(gate: Self.matrix(1, n, a), up: Self.matrix(1, n, b), dm: Self.matrix(1, n, c))
        #expect(Self.relativeError(dGate.values, Self.numericGradient(a) { forward($0, b) }) < 1e-4)
        #expect(Self.relativeError(dUp.values, Self.numericGradient(b) { forward(a, $0) }) < 1e-4)
    }
}
