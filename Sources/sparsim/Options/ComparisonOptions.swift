import ArgumentParser
import ViTCoDSim

/// The inputs shared by `compare` and `table`: traces, hardware, partition search and a plot.
struct ComparisonOptions: ParsableArguments {
    @Option(help: "How dense columns are chosen: ratio (the reference's five-step search) or best (every threshold).")
    var split: SplitSearch = .ratio

    @OptionGroup var hardware: HardwareOptions

    @OptionGroup var mapping: MapperFlags

    @Option(help: "Also draw an SVG: speedup per projection per method (both cycle models) and per-layer sparsity heat maps.")
    var plot: String?

    func evaluate(_ traces: [String]) throws -> (HardwareConfig, [MethodEvaluation]) {
        let config = try hardware.resolve()
        let simulator = mapping.simulator(config: config, model: .full, split: split, format: hardware.requestedFormat())
        let evaluations = try MethodEvaluation.evaluateAll(traces, simulator: simulator)
        if let plot {
            try emit(ComparisonPlot(evaluations: evaluations, config: config).svg(), to: plot)
        }
        return (config, evaluations)
    }
}
