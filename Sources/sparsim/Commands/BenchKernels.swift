import ArgumentParser
import Foundation
import Pruner

/// Times the vectorised element-wise kernels against the scalar loops they replace.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Elements/second of the vectorised exp, softmax and SwiGLU against scalar Foundation.exp loops.",
        discussion: "One core, --count floats a pass, best of 5 passes. Use a release build on an idle machine."
    )

    @Option(help: "Floats per pass.")
    var count: Int = 1 << 22

    @Option(help: "Softmax row length (a row of attention scores).")
    var row: Int = 512

    func run() throws {
        lineBufferStandardOutput()
        let input = (0..<count).map { Float($0 % 2003) / 2003 * 24 - 12 }
        let up = (0..<count).map { Float($0 % 101) / 101 - 0.5 }
        var work = input
        func best(_ body: (UnsafeMutablePointer<Float>) -> Void) -> Double {
            var seconds = Double.infinity
            for _ in 0..<5 {
                work = input
                let start = Date()
                work.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
                seconds = min(seconds, Date().timeIntervalSince(start))
            }
            return Double(count) / seconds
        }
        let count = count, row = row
        let rows: [(String, Double, Double)] = [
            ("exp", best { for i in 0..<count { $0[i] = Foundation.exp($0[i]) } },
             best { VectorMath.expInPlace($0, count: count) }),
            ("softmax rows of \(row)", best { values in
                for start in stride(from: 0, to: count - row + 1, by: row) {
                    var largest = -Float.infinity, sum: Float = 0
                    for i in start..<start + row { largest = max(largest, values[i]) }
                    for i in start..<start + row { values[i] = Foundation.exp(values[i] - largest); sum += values[i] }
                    for i in start..<start + row { values[i] /= sum }
                }
            }, best { values in
                for start in stride(from: 0, to: count - row + 1, by: row) { VectorMath.softmax(values + start, count: row) }
            }),
            ("swiGLU", best { g in up.withUnsafeBufferPointer { u in for i in 0..<count { g[i] = g[i] / (1 + Foundation.exp(-g[i])) * u[i] } } },
             best { g in up.withUnsafeBufferPointer { VectorMath.swiGLU(g, $0.baseAddress!, count: count) } }),
        ]
        print("kernel                      scalar (M/s)   vectorised (M/s)   speedup")
        for (name, scalar, vector) in rows {
            print(name.padding(toLength: 26, withPad: " ", startingAt: 0)
                  + String(format: "%14.1f %18.1f %8.1f×", scalar / 1e6, vector / 1e6, vector / scalar))
        }
    }
}
