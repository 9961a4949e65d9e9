import ArgumentParser
import Foundation
import Traces
import ViTCoDSim

/// `sparsim simulate`: every layer of a trace on the accelerator, speedups against dense.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a trace's layers on the ViTCoD-style accelerator and report speedups over dense.",
        discussion: """
            Speedup = cycles of the layer run dense on the same hardware / cycles of the pruned layer. \
            The whole-model figure is Σ dense cycles / Σ sparse cycles over the layers shown.

            --cycle-model compute is BESA's hw_sim compute-only model (the paper's Table 4) with its slips \
            fixed; add --reference-quirks to reproduce the reference's counts exactly, or --quirk NAME \
            to switch one slip back on (\(ReferenceQuirks.named.map(\.0).joined(separator: ", "))). \
            --cycle-model full (default) adds tiling, buffers, DRAM traffic and per-line engine costs, and \
            searches each layer's mapping (dense/sparse partition and PE split, each engine's lines along \
            rows or tokens, row and token tiles, which operand stays on chip, sparse format, the N:M \
            datapath when the hardware has one); the report names the mapping chosen, its gain over the \
            fixed mapping (--mapper fixed: the numbers before the search) and how far the search is from \
            proven optimal. --max-plays 100000 --mapper-tolerance 0 proves the optimum.

            Without --trace, the trace shipped in traces/\(DefaultTrace.fileName) is used.
            """
    )

    @Option(help: "Trace file (.h5). (default: traces/\(DefaultTrace.fileName))")
    var trace: String?

    @Option(name: .customLong("layer"), help: "Only this projection (q_proj ... down_proj); repeatable.")
    var layers: [String] = []

    @Option(name: .customLong("block"), help: "Only this block; repeatable.")
    var blocks: [Int] = []

    @Option(name: [.customLong("cycle-model"), .customLong("model")],
            help: "Cycle model: compute or full. (--model: the old name, still accepted.)")
    var model: CycleModel = .full

    @Option(help: "How dense columns are chosen: ratio (the reference's five-step search) or best (every threshold).")
    var split: SplitSearch = .ratio

    @Flag(name: .customLong("reference-quirks"), help: "Compute model: reproduce BESA hw_sim's counts exactly, slips included.")
    var referenceQuirks = false

    @Option(name: .customLong("quirk"), help: "Compute model: switch one reference slip back on; repeatable.")
    var quirkNames: [String] = []

    @OptionGroup var hardware: HardwareOptions

    @OptionGroup var mapping: MapperFlags

    @Option(help: "Output: table, csv or json.")
    var format: OutputFormat = .table

    @Option(help: "Write the output to this file (atomically) instead of stdout.")
    var out: String?

    @Flag(help: "Full model: add the ladder of bounds per layer (peak → engine split → mapping → imbalance → bandwidth).")
    var ladder = false

    @Flag(help: "Full model: find, per layer, the token count from which it is compute-bound (powers of two up to 16384).")
    var crossover = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    func validate() throws {
        if model == .full && (referenceQuirks || !quirkNames.isEmpty) {
            throw ValidationError("--reference-quirks and --quirk apply to --cycle-model compute only")
        }
        if referenceQuirks && split != .ratio {
            throw ValidationError("--reference-quirks uses the reference's ratio search; drop --split best")
        }
        if model == .compute && (ladder || crossover) {
            throw ValidationError("--ladder and --crossover need --cycle-model full")
        }
    }

    func run() throws {
        let config = try hardware.resolve()
        let quirks = try resolveQuirks()
        let path = try trace ?? DefaultTrace.path()
        let reader = try TraceReader(path: path)
        let selected = try select(from: reader)
        let groupSize = try SparseFormatCheck.groupSize(for: reader.metadata.pattern, format: config.sparseFormat, path: path)
        let requestedFormat = hardware.requestedFormat()
        let simulator = mapping.simulator(config: config, model: model, split: split, quirks: quirks, format: requestedFormat)

        let findCrossover = crossover
        let outcomes = try reader.mapLayers(selected, label: "simulating") { layer in
            let workload = LayerWorkload(id: layer.id, mask: layer.mask, valueBits: layer.quantization?.bits)
            let report = simulator.simulate(workload, groupSize: groupSize)
            return (report, findCrossover ? Self.computeBoundFrom(workload, simulator: simulator, groupSize: groupSize) : nil)
        }
        let reports = outcomes.map(\.0)
        let crossovers = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.0.id, $0.1) })
        let result = SimulationSummary(layers: reports)

        switch format {
        case .csv: try emit(ReportFormat.csv(result), to: out)
        case .json: try emit(ReportFormat.json(result, config: config, trace: path), to: out)
        case .table:
            try emit(SimulationTable(summary: result, config: config, requestedFormat: requestedFormat, reader: reader, shownOf: reader.layers.count,
                                     ladder: ladder, crossovers: crossover ? crossovers : nil).render(), to: out)
        }
    }

    private func resolveQuirks() throws -> ReferenceQuirks {
        var quirks: ReferenceQuirks = referenceQuirks ? .all : .none
        for name in quirkNames {
            guard let quirk = ReferenceQuirks.named.first(where: { $0.0 == name })?.1 else {
                throw ValidationError("unknown quirk '\(name)' (known: \(ReferenceQuirks.named.map(\.0).joined(separator: ", ")))")
            }
            quirks.insert(quirk)
        }
        return quirks
    }

    private func select(from reader: TraceReader) throws -> [LayerSummary] {
        var projections = Set<Projection>()
        for name in layers {
            guard let projection = Projection(name: name) else {
                throw CLIError("unknown layer '\(name)' (expected one of \(Projection.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            projections.insert(projection)
        }
        let available = reader.blocks
        for block in blocks where !available.contains(block) {
            let range = available.count > 1 ? "\(available.first!)–\(available.last!)" : "\(available.first!)"
            throw CLIError("block \(block) is not in \(reader.path) (blocks \(range))")
        }
        let selected = reader.layers.filter {
            (projections.isEmpty || projections.contains($0.id.projection)) && (blocks.isEmpty || blocks.contains($0.id.block))
        }
        guard !selected.isEmpty else {
            throw CLIError("\(reader.path) has no \(layers.joined(separator: "/")) layer in the blocks asked for")
        }
        return selected
    }

    /// Smallest power-of-two token count at which the sparse layer is compute-bound (nil: none up to 16384).
    private static func computeBoundFrom(_ workload: LayerWorkload, simulator: Simulator, groupSize: Int) -> Int? {
        var probe = simulator.config
        for exponent in 0...14 {
            probe.tokens = 1 << exponent
            let report = Simulator(config: probe, model: .full, search: simulator.search, mapper: simulator.mapperKind,
                                   mapperOptions: simulator.mapperOptions).simulate(workload, groupSize: groupSize)
            if let full = report.full, !full.sparse.isMemoryBound { return probe.tokens }
        }
        return nil
    }
}
