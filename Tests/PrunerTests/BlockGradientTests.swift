import Foundation
import Testing
import Traces
@testable import Pruner

/// The whole block's gradient with respect to the seven masks, against central finite differences of
/// a plain Double forward of the same block.
@Suite struct BlockGradientTests {
    static let (tokens, hidden, inter, heads, kvHeads) = (4, 8, 12, 2, 1)
    static var headDim: Int { hidden / heads }

    static func doubleBlock(x: [Double], weights: [Projection: [Double]], masks: [Projection: [Double]], g1: [Double], g2: [Double],
                            rotary: RotaryTable) -> [Double] {
        let t = tokens, d = hidden
        func rms(_ x: [Double], _ g: [Double]) -> [Double] {
            var y = x
            for i in 0..<t {
                var squares = 0.0
                for j in 0..<d { squares += x[i * d + j] * x[i * d + j] }
                let r = (squares / Double(d) + 1e-5).squareRoot()
                for j in 0..<d { y[i * d + j] = g[j] * x[i * d + j] / r }
            }
            return y
        }
        func linear(_ x: [Double], _ p: Projection, inputs: Int, outputs: Int) -> [Double] {
            var y = [Double](repeating: 0, count: t * outputs)
            for i in 0..<t {
                for o in 0..<outputs {
                    var sum = 0.0
                    for j in 0..<inputs { sum += x[i * inputs + j] * weights[p]![o * inputs + j] * masks[p]![o * inputs + j] }
                    y[i * outputs + o] = sum
                }
            }
            return y
        }
        func rope(_ x: [Double], heads: Int) -> [Double] {
            var y = x
            let half = headDim / 2
            for i in 0..<t {
                for h in 0..<heads {
                    for c in 0..<half {
                        let base = i * heads * headDim + h * headDim
                        let angle = Double(rotary.cos[i * half + c]), sine = Double(rotary.sin[i * half + c])
                        let a = x[base + c], b = x[base + c + half]
                        y[base + c] = a * angle - b * sine
                        y[base + c + half] = b * angle + a * sine
                    }
                }
            }
            return y
        }
        let n1 = rms(x, g1)
        let q = rope(linear(n1, .q, inputs: d, outputs: d), heads: heads)
        let k = rope(linear(n1, .k, inputs: d, outputs: kvHeads * headDim), heads: kvHeads)
        let v = linear(n1, .v, inputs: d, outputs: kvHeads * headDim)
        let attention = LayerGradientTests.attentionForward(q, k, v, tokens: t, heads: heads, kvHeads: kvHeads, d: headDim)
        let o = linear(attention, .o, inputs: d, outputs: d)
        let h = zip(x, o).map { $0 + $1 }
        let n2 = rms(h, g2)
        let a = linear(n2, .gate, inputs: d, outputs: inter), b = linear(n2, .up, inputs: d, outputs: inter)
        var m = a
        for i in m.indices { m[i] = a[i] / (1 + exp(-a[i])) * b[i] }
        let down = linear(m, .down, inputs: inter, outputs: d)
        return zip(h, down).map { $0 + $1 }
    }

    @Test func maskGradientsOfTheWholeBlock() throws {
        let config = LlamaConfig(hiddenSize: Self.hidden, intermediateSize: Self.inter, layers: 1, heads: Self.heads,
                                 keyValueHeads: Self.kvHeads, vocabularySize: 10, ropeTheta: 10_000, rmsNormEpsilon: 1e-5,
                                 maxPositions: 16, tiedEmbeddings: true)
        var seed: UInt64 = 20
        func values(_ count: Int, scale: Double = 1) -> [Double] {
            seed += 1
            return LayerGradientTests.random(count, seed: seed, scale: scale)
        }
        var weights: [Projection: [Double]] = [:], masks: [Projection: [Double]] = [:]
        for projection in Projection.allCases {
            let (rows, cols) = config.shape(of: projection)
            weights[projection] = values(rows * cols, scale: 0.8)
            masks[projection] = values(rows * cols).map { $0 > -0.4 ? 1 : 0 }
        }
        let g1 = values(Self.hidden).map { 1 + 0.3 * $0 }, g2 = values(Self.hidden).map { 1 + 0.3 * $0 }
        let x = values(Self.tokens * Self.hidden), c = values(Self.tokens * Self.hidden)
        let floatMatrix = { (p: Projection, v: [Double]) -> Matrix in
            let (rows, cols) = config.shape(of: p)
            return Matrix(rows: rows, cols: cols, values: v.map(Float.init))
        }
        let block = BlockWeights(attentionNorm: g1.map(Float.init), mlpNorm: g2.map(Float.init),
                                 linears: Dictionary(uniqueKeysWithValues: Projection.allCases.map { ($0, floatMatrix($0, weights[$0]!)) }))
        let model = LlamaModel(weights: LlamaWeights(config: config, embedding: Matrix(rows: 10, cols: Self.hidden), blocks: [block],
                                                     finalNorm: [Float](repeating: 1, count: Self.hidden), outputHead: nil,
                                                     rotaryLayout: .halfSplit))
        let result = BlockGradient(model: model, block: block).backward(
            x: Matrix(rows: Self.tokens, cols: Self.hidden, values: x.map(Float.init)),
            weights: block.linears, masks: Dictionary(uniqueKeysWithValues: Projection.allCases.map { ($0, floatMatrix($0, masks[$0]!)) }),
            dy: Matrix(rows: Self.tokens, cols: Self.hidden, values: c.map(Float.init)))

        func loss(_ masks: [Projection: [Double]], _ x: [Double]) -> Double {
            zip(Self.doubleBlock(x: x, weights: weights, masks: masks, g1: g1, g2: g2, rotary: model.rotary), c).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let maskGradients = result.maskGradients(weights: block.linears)
        for projection in Projection.allCases {
            let numeric = LayerGradientTests.numericGradient(masks[projection]!) { perturbed in
                var all = masks
                all[projection] = perturbed
                return loss(all, x)
            }
            let error = LayerGradientTests.relativeError(maskGradients[projection]!.values, numeric)
            #expect(error < 1e-4, "\(projection.rawValue): relative error \(error)")
        }
        let dx = LayerGradientTests.numericGradient(x) { loss(masks, $0) }
        #expect(LayerGradientTests.relativeError(result.inputGradient!.values, dx) < 1e-4)
    }
}
