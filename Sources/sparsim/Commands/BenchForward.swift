import ArgumentParser
import Foundation
import Pruner
import Traces

/// Times the forward pass on the real model against the machine's own sgemm peak.
struct BenchForward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Tokens/second of the forward pass, and the fraction of sgemm peak its linear layers reach.",
        discussion: """
            Measures, in one run: the sgemm peak (a 2048³ product, best of 5 after a warm-up), the full forward pass \
            (embedding, 30 blocks, head) on windows of the evaluation text, and the seven linear \
            products of every block alone at the same shapes. Then counts the window's multiply-adds \
            (linears, causal attention, head) and prints the share of the peak the whole forward \
            reached and the tokens/s it would reach with every multiply-add at the peak: the ceiling \
            of any fp32 implementation on this machine. Use a release build on an idle machine.
            """
    )

    @Option(help: "A .gguf file or a Hugging Face model directory.")
    var model: String = "data/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Text to take the windows from.")
    var data: String = "data/text/austen_persuasion.txt"

    @Option(help: "Window lengths to time; repeatable.")
    var seqlen: [Int] = [512, 2048]

    @Option(help: "Windows per length.")
    var windows: Int = 2

    func run() throws {
        lineBufferStandardOutput()
        let loaded = try ModelLoader.load(model)
        let tokens = loaded.tokenizer.encode(try TextFile.read(data))
        let peak = Self.sgemmPeak()
        print(String(format: "sgemm peak (2048³, best of 5): %.1f GFLOP/s", peak))
        for length in seqlen {
            let windows = Perplexity.windows(tokens, seqlen: length, maxWindows: windows)
            guard !windows.isEmpty else { throw CLIError("\(data) has fewer than \(length) tokens") }
            var forwardSeconds = 0.0
            for window in windows {
                let start = Date()
                _ = loaded.model.meanNegativeLogLikelihood(Array(window))
                forwardSeconds += Date().timeIntervalSince(start)
            }
            let (linearSeconds, linearFlops) = Self.timeLinears(loaded.model, tokens: length, repeats: windows.count)
            let totalTokens = Double(length * windows.count)
            print(String(format: "seqlen %5d: %7.1f tokens/s (%d windows, %.2f s); linears %.1f GFLOP/s = %.0f%% of peak, %.0f%% of the forward time",
                         length, totalTokens / forwardSeconds, windows.count, forwardSeconds,
                         linearFlops / linearSeconds / 1e9, 100 * linearFlops / linearSeconds / 1e9 / peak,
                         100 * linearSeconds / forwardSeconds))
            // A window's first length − 1 tokens go through the blocks and the head.
            let work = MultiplyAdds(loaded.model.config, tokens: length - 1), layers = Double(loaded.model.config.layers)
            let head = work.head(vocabulary: loaded.model.weights.head.rows), total = layers * work.blockForward + head
            let achieved = total * Double(windows.count) / forwardSeconds / 1e9
            print(String(format: "              %.1f MFLOP/token (attention %.0f%%, head %.0f%%): %.1f GFLOP/s = %.0f%% of peak; every FLOP at the peak: %.1f tokens/s",
                         total / Double(length) / 1e6, 100 * layers * work.attention / total, 100 * head / total,
                         achieved, 100 * achieved / peak, peak * 1e9 / total * Double(length)))
        }
    }

    /// Best of five 2048³ sgemms after a warm-up, in GFLOP/s.
    static func sgemmPeak() -> Double {
        let n = 2048
        let a = Matrix(rows: n, cols: n, values: (0..<n * n).map { Float($0 % 7) * 0.1 })
        var c = Matrix(rows: n, cols: n)
        BLAS.gemm(a, a, into: &c)
        var best = Double.infinity
        for round in 0..<5 {
            let b = Matrix(rows: n, cols: n, values: (0..<n * n).map { Float(($0 + round) % 5) * 0.1 })
            let start = Date()
            BLAS.gemm(a, b, into: &c)
            best = min(best, Date().timeIntervalSince(start))
        }
        return 2 * Double(n * n * n) / best / 1e9
    }

    /// The linear products of every block at `tokens` rows, `repeats` times: seconds and FLOPs.
    static func timeLinears(_ model: LlamaModel, tokens: Int, repeats: Int) -> (Double, Double) {
        let config = model.config
        let inputs = [config.hiddenSize, config.intermediateSize].map { width in
            Matrix(rows: tokens, cols: width, values: (0..<tokens * width).map { Float($0 % 13) * 0.01 })
        }
        var seconds = 0.0, flops = 0.0
        for _ in 0..<repeats {
            for block in model.weights.blocks {
                for projection in Projection.allCases {
                    let weight = block[projection]
                    let input = inputs[weight.cols == config.hiddenSize ? 0 : 1]
                    let start = Date()
                    _ = BLAS.matmul(input, weight, transposeB: true)
                    seconds += Date().timeIntervalSince(start)
                    flops += 2 * Double(tokens * weight.rows * weight.cols)
                }
            }
        }
        return (seconds, flops)
    }
}
