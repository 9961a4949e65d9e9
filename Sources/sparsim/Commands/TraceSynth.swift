import ArgumentParser
import Foundation
import Traces
import ViTCoDSim

/// `sparsim trace synth`: seeded synthetic traces at real LLaMA shapes.
struct TraceSynth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a seeded synthetic trace at LLaMA shapes, to study the simulator without a model.",
        discussion: """
            Shapes: \(ModelShape.known.keys.sorted().joined(separator: ", ")) (q/k/v/o d×d or GQA, gate/up h×d, down d×h). \
            Patterns: uniform (each weight pruned with probability S), row-varying (each row's \
            sparsity drawn from [S − spread, S + spread]), column-varying (the same per input column), \
            or N:M (e.g. 2:4). A llama-7b trace is about \
            800 MB and takes a minute; use --blocks to write fewer blocks.
            """
    )

    @Option(help: "Model shape: \(ModelShape.known.keys.sorted().joined(separator: ", ")).")
    var shape: String

    @Option(help: "Fraction of pruned weights, in [0, 1). Ignored for N:M (which implies N/M).")
    var sparsity: Double = 0.5

    @Option(help: "uniform, row-varying, column-varying, or N:M such as 2:4.")
    var pattern: String = "uniform"

    @Option(help: "Row- or column-varying: half-width of the sparsity range.")
    var spread: Double = 0.2

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Number of blocks (default: all of the shape's).")
    var blocks: Int?

    @Option(help: "Output trace file.")
    var out: String

    func run() throws {
        let shape = try ModelShape.named(self.shape, blocks: blocks)
        let (synthetic, tracePattern, sparsity) = try parsePattern(shape)
        let metadata = TraceMetadata(model: shape.name, method: "synthetic-\(synthetic)", targetSparsity: sparsity,
                                     pattern: tracePattern)
        let writer = try TraceWriter(path: out, metadata: metadata, config: shape.config.merging(["seed": .int(Int64(seed))]) { $1 })
        var masks = SyntheticMasks(seed: seed)
        let progress = Progress(total: shape.blocks * Projection.allCases.count, label: "synthesizing")
        var done = 0
        for block in 0..<shape.blocks {
            for projection in Projection.allCases {
                progress.update(done, "block \(block) \(projection.rawValue)")
                let (rows, cols) = shape.shape(of: projection)
                let mask = masks.mask(rows: rows, cols: cols, sparsity: sparsity, pattern: synthetic)
                try writer.append(TraceLayer(id: LayerID(block: block, projection: projection), mask: mask))
                done += 1
            }
        }
        try writer.finish()
        progress.finish()
        print("wrote \(out): \(shape.name), \(shape.blocks) blocks, \(synthetic), target sparsity \(sparsity), seed \(seed)")
    }

    private func parsePattern(_ shape: ModelShape) throws -> (SyntheticPattern, SparsityPattern, Double) {
        switch pattern {
        case "uniform", "row-varying", "column-varying":
            guard sparsity >= 0, sparsity < 1 else { throw CLIError("--sparsity \(sparsity) is outside [0, 1)") }
            guard spread >= 0, spread <= 1 else { throw CLIError("--spread \(spread) is outside [0, 1]") }
            let synthetic: SyntheticPattern = switch pattern {
            case "uniform": .uniform
            case "row-varying": .rowVarying(spread: spread)
            default: .columnVarying(spread: spread)
            }
            return (synthetic, .unstructured, sparsity)
        default:
            guard case .nOfM(let n, let m)? = SparsityPattern(pattern) else {
                throw CLIError("unknown pattern '\(pattern)' (expected uniform, row-varying, column-varying or N:M such as 2:4)")
            }
            for projection in Projection.allCases where shape.shape(of: projection).cols % m != 0 {
                throw CLIError("\(n):\(m) does not divide C_in = \(shape.shape(of: projection).cols) of \(projection.rawValue)")
            }
            return (.nOfM(n: n, m: m), .nOfM(n: n, m: m), Double(n) / Double(m))
        }
    }
}
