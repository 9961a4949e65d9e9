import ArgumentParser
import Foundation
import SparsimSupport
import Traces
import ViTCoDSim

/// `sparsim bench ...`: speed measurements, meant for release builds on an otherwise idle machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure how fast sparsim runs (use a release build: swift run -c release sparsim bench ...).",
        subcommands: [BenchSimulate.self, BenchForward.self, BenchPrune.self, BenchKernels.self]
    )
}

/// Times the simulator over a whole model's layers.
struct BenchSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Time the compute and full models over every layer of a trace or of a synthetic model.",
        discussion: """
            With --trace, layers are read from the file (reading is timed on its own). Otherwise seeded \
            synthetic masks at --shape are made in memory, one layer at a time (also timed on its own), \
            so a 7B run needs no 800 MB file. Layers are simulated on all cores.
            """
    )

    @Option(help: "A trace to read instead of synthetic masks.")
    var trace: String?

    @Option(help: "Synthetic model shape: \(ModelShape.known.keys.sorted().joined(separator: ", ")).")
    var shape: String = "llama-7b"

    @Option(help: "Synthetic masks: fraction pruned.")
    var sparsity: Double = 0.5

    @Option(help: "Number of blocks (default: all of the shape's).")
    var blocks: Int?

    @Option(help: "Token counts to run the full model at; repeatable.")
    var tokens: [Int] = [1, 2048]

    func run() throws {
        let (label, layers, loadSeconds) = try loadLayers()
        print("bench simulate: \(label), \(layers.count) layers, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("load".padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "%8.2f s", loadSeconds))
        try measure("compute model", layers: layers, simulator: Simulator(model: .compute))
        for count in tokens {
            var config = HardwareConfig()
            config.tokens = count
            try config.validate()
            let fixed = try measure("full, M = \(count), fixed", layers: layers,
                                    simulator: Simulator(config: config, model: .full, mapper: .fixed))
            let mapped = try measure("full, M = \(count), mapper", layers: layers,
                                     simulator: Simulator(config: config, model: .full, mapper: .search))
            print(String(format: "  mapper / fixed time: %.2f×", mapped / fixed))
        }
    }

    /// Seconds to simulate every layer on all cores.
    @discardableResult
    private func measure(_ name: String, layers: [LayerWorkload], simulator: Simulator) throws -> Double {
        let start = Date()
        let reports = Parallel.map(layers.count) { simulator.simulate(layers[$0]) }
        let seconds = Date().timeIntervalSince(start)
        let summary = SimulationSummary(layers: reports)
        print(name.padding(toLength: 26, withPad: " ", startingAt: 0)
            + String(format: "%8.2f s  %8.1f layers/s  whole-model speedup %.3f×", seconds, Double(layers.count) / seconds, summary.speedup))
        return seconds
    }

    private func loadLayers() throws -> (String, [LayerWorkload], Double) {
        let start = Date()
        if let trace {
            let reader = try TraceReader(path: trace)
            let layers = try reader.layers.map { summary throws(TraceError) in
                let layer = try reader.layer(summary.id)
                return LayerWorkload(id: layer.id, mask: layer.mask)
            }
            return ("\(trace) (\(reader.metadata.method))", layers, Date().timeIntervalSince(start))
        }
        let model = try ModelShape.named(shape, blocks: blocks)
        guard sparsity >= 0, sparsity < 1 else { throw CLIError("--sparsity \(sparsity) is outside [0, 1)") }
        let ids = (0..<model.blocks).flatMap { block in Projection.allCases.map { LayerID(block: block, projection: $0) } }
        let fraction = sparsity, shape = model
        let layers = Parallel.map(ids.count) { index in
            var masks = SyntheticMasks(seed: UInt64(index))
            let (rows, cols) = shape.shape(of: ids[index].projection)
            return LayerWorkload(id: ids[index], mask: masks.mask(rows: rows, cols: cols, sparsity: fraction, pattern: .uniform))
        }
        return ("\(model.name) synthetic uniform \(sparsity)", layers, Date().timeIntervalSince(start))
    }
}
