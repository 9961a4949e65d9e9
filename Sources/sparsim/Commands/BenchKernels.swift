import ArgumentParser
import Foundation
import Pruner

/// Times the vectorized element-wise kernels against the scalar loops they replace.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Elements/second of the vectorized exp, softmax and SwiGLU at each instruction-set level against scalar Foundation.exp loops, and GFLOP/s of causal attention.",
        discussion: "Element-wise kernels: one core, --count floats a pass, best of 5 passes, every level this CPU supports. Attention: both cores, best of 5. Use a release build on an idle machine."
    )

    @Option(help: "Floats per pass.")
    var count: Int = 1 << 22

    @Option(help: "Softmax row length (a row of attention scores).")
    var row: Int = 512

    func run() throws {
        lineBufferStandardOutput()
        let input = (0..<count).map { Float($0 % 2003) / 2003 * 24 - 12 }
        let up = (0..<count).map { Float($0 % 101) / 101 - 0.5 }
        let work = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        defer { work.deallocate() }
        func best(_ body: (UnsafeMutablePointer<Float>) -> Void) -> Double {
            var seconds = Double.infinity
            for _ in 0..<5 {
                _ = work.update(fromContentsOf: input)  // a fresh input each pass, copied before the clock starts
                let start = Date()
                body(work.baseAddress!)
                seconds = min(seconds, Date().timeIntervalSince(start))
            }
            return Double(count) / seconds
        }
        let count = count, row = row
        let levels = VectorMath.InstructionSet.allCases.filter { $0.rawValue <= VectorMath.InstructionSet.supported.rawValue }
        let kernels: [(String, (UnsafeMutablePointer<Float>) -> Void, (UnsafeMutablePointer<Float>, VectorMath.InstructionSet) -> Void)] = [
            ("exp", { for i in 0..<count { $0[i] = Foundation.exp($0[i]) } },
             { VectorMath.expInPlace($0, count: count, using: $1) }),
            ("softmax rows of \(row)", { values in
                for start in stride(from: 0, to: count - row + 1, by: row) {
                    var largest = -Float.infinity, sum: Float = 0
                    for i in start..<start + row { largest = max(largest, values[i]) }
                    for i in start..<start + row { values[i] = Foundation.exp(values[i] - largest); sum += values[i] }
                    for i in start..<start + row { values[i] /= sum }
                }
            }, { values, level in
                for start in stride(from: 0, to: count - row + 1, by: row) { VectorMath.softmax(values + start, count: row, using: level) }
            }),
            ("swiGLU", { g in up.withUnsafeBufferPointer { u in for i in 0..<count { g[i] = g[i] / (1 + Foundation.exp(-g[i])) * u[i] } } },
             { g, level in up.withUnsafeBufferPointer { VectorMath.swiGLU(g, $0.baseAddress!, count: count, using: level) } }),
        ]
        print("kernel (M elements/s)     scalar libm" + levels.map { String(repeating: " ", count: max(1, 17 - $0.description.count)) + $0.description }.joined())
        for (name, scalar, vectorized) in kernels {
            let scalarRate = best(scalar)
            let rates = levels.map { level in best { vectorized($0, level) } }
            print(name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "%13.1f", scalarRate / 1e6)
                  + rates.map { String(format: "%10.1f (%4.1f×)", $0 / 1e6, $0 / scalarRate) }.joined())
        }
        for tokens in attentionSeqlen { Self.timeAttention(tokens: tokens) }
    }

    @Option(help: "Sequence lengths at which to time causal attention (SmolLM2's 9 query, 3 key/value heads of 64); repeatable.")
    var attentionSeqlen: [Int] = [512, 2048]

    /// Best of 5 runs of one block's causal attention, both cores, in GFLOP/s of its two products.
    static func timeAttention(tokens: Int, heads: Int = 9, keyValueHeads: Int = 3, headDim: Int = 64) {
        func random(_ cols: Int, _ seed: Int) -> Matrix {
            Matrix(rows: tokens, cols: cols, values: (0..<tokens * cols).map { Float(($0 * 7919 + seed) % 1009) / 1009 - 0.5 })
        }
        let q = random(heads * headDim, 1), k = random(keyValueHeads * headDim, 2), v = random(keyValueHeads * headDim, 3)
        var seconds = Double.infinity
        for _ in 0..<5 {
            let start = Date()
            _ = Attention.forward(q: q, k: k, v: v, heads: heads, keyValueHeads: keyValueHeads, headDim: headDim)
            seconds = min(seconds, Date().timeIntervalSince(start))
        }
        let flops = Attention.flops(tokens: tokens, heads: heads, headDim: headDim)
        print(String(format: "causal attention, %5d tokens: %7.2f ms = %6.1f GFLOP/s", tokens, seconds * 1e3, flops / seconds / 1e9))
    }
}
