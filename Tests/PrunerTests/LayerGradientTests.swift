import Foundation
import SparsimSupport
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
        let (dx, dWeight) = LayerGradients.maskedLinear(x: Self.matrix(t, inp, x), maskedWeight: Self.matrix(out, inp, masked),
                                                        dy: Self.matrix(t, out, c))
        let dMask = LayerGradients.maskGradient(weightGradient: dWeight, weight: Self.matrix(out, inp, w))
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

extension LayerGradientTests {
    /// Causal GQA attention in Double: O_h = softmax(Q_h K_gᵀ / √d, causal) V_g.
    static func attentionForward(_ q: [Double], _ k: [Double], _ v: [Double], tokens: Int, heads: Int, kvHeads: Int, d: Int) -> [Double] {
        var out = [Double](repeating: 0, count: tokens * heads * d)
        for h in 0..<heads {
            let g = h / (heads / kvHeads)
            for i in 0..<tokens {
                var scores: [Double] = []
                for j in 0...i {
                    var dot = 0.0
                    for c in 0..<d { dot += q[i * heads * d + h * d + c] * k[j * kvHeads * d + g * d + c] }
                    scores.append(dot / Double(d).squareRoot())
                }
                let largest = scores.max()!
                let e = scores.map { exp($0 - largest) }
                let sum = e.reduce(0, +)
                for j in 0...i {
                    for c in 0..<d { out[i * heads * d + h * d + c] += e[j] / sum * v[j * kvHeads * d + g * d + c] }
                }
            }
        }
        return out
    }

    /// Query rows in blocks of 2 (three blocks, the last partial), of 5 (one), and the default.
    @Test(arguments: [2, 5, LayerGradients.attentionRowBlock])
    func causalGroupedAttention(rowBlock: Int) {
        let (tokens, heads, kvHeads, d) = (5, 4, 2, 4)
        let q = Self.random(tokens * heads * d, seed: 11), k = Self.random(tokens * kvHeads * d, seed: 12)
        let v = Self.random(tokens * kvHeads * d, seed: 13), c = Self.random(tokens * heads * d, seed: 14)
        func loss(_ q: [Double], _ k: [Double], _ v: [Double]) -> Double {
            zip(Self.attentionForward(q, k, v, tokens: tokens, heads: heads, kvHeads: kvHeads, d: d), c).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let (dq, dk, dv) = LayerGradients.attention(q: Self.matrix(tokens, heads * d, q), k: Self.matrix(tokens, kvHeads * d, k),
                                                    v: Self.matrix(tokens, kvHeads * d, v), heads: heads, keyValueHeads: kvHeads,
                                                    headDim: d, dOutput: Self.matrix(tokens, heads * d, c), rowBlock: rowBlock)
        #expect(Self.relativeError(dq.values, Self.numericGradient(q) { loss($0, k, v) }) < 1e-4)
        #expect(Self.relativeError(dk.values, Self.numericGradient(k) { loss(q, $0, v) }) < 1e-4)
        #expect(Self.relativeError(dv.values, Self.numericGradient(v) { loss(q, k, $0) }) < 1e-4)
    }

    @Test(arguments: [RotaryLayout.halfSplit, .adjacentPairs])
    func rotaryTransposeIsTheGradient(layout: RotaryLayout) {
        // L = Σ c ⊙ RoPE(x) is linear in x, so dL/dx = RoPEᵀ(c): check against finite differences.
        let (tokens, heads, d) = (6, 2, 8)
        let table = RotaryTable(headDim: d, theta: 10_000, positions: 16)
        let x = Self.random(tokens * heads * d, seed: 15), c = Self.random(tokens * heads * d, seed: 16)
        func loss(_ x: [Double]) -> Double {
            var m = Self.matrix(tokens, heads * d, x)
            table.apply(&m, heads: heads, layout: layout, start: 3)
            return zip(m.values, c).reduce(0) { $0 + Double($1.0) * $1.1 }
        }
        var gradient = Self.matrix(tokens, heads * d, c)
        table.applyTransposed(&gradient, heads: heads, layout: layout, start: 3)
        // The Float forward makes the differences noisy; a linear map allows a large step.
        let numeric = x.indices.map { i -> Double in
            var plus = x, minus = x
            plus[i] += 0.5
            minus[i] -= 0.5
            return loss(plus) - loss(minus)
        }
        #expect(Self.relativeError(gradient.values, numeric) < 1e-4)
    }
}

extension RotaryLayout: CustomTestStringConvertible {
    public var testDescription: String { self == .halfSplit ? "halfSplit" : "adjacentPairs" }
}
