import ArgumentParser
import Foundation
import ViTCoDSim

/// `sparsim table`: the paper's Table 4 (speedup per projection) as CSV, for several traces.
struct Table: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a Table-4-style CSV of simulated speedups per projection for each trace.",
        discussion: """
            Rows: each trace (method) under each cycle model, with --per-block one more row per block. \
            Columns: method, pattern, target and actual sparsity, the perplexity the pruning run recorded, \
            cycle model, tokens, block (or 'all'), then the speedup of q/k/v/o/gate/up/down_proj (Σ dense \
            / Σ sparse cycles over the blocks) and of the whole model. With --out FILE.csv the hardware \
            config, partition search and traces go to FILE.json beside it.
            """
    )

    @Option(parsing: .upToNextOption, help: "Traces (.h5), one per method.")
    var traces: [String]

    @Option(help: "The CSV to write (and its .json sidecar); stdout if absent.")
    var out: String?

    @Option(name: [.customLong("cycle-model"), .customLong("model")],
            help: "Cycle model rows: compute, full or both. (--model: the old name, still accepted.)")
    var model: ModelChoice = .both

    @Flag(name: .customLong("per-block"), help: "Add one row per block.")
    var perBlock = false

    @OptionGroup var options: ComparisonOptions

    enum ModelChoice: String, ExpressibleByArgument, CaseIterable {
        case compute, full, both
        var models: [CycleModel] { self == .both ? CycleModel.allCases : [CycleModel(rawValue: rawValue)!] }
    }

    func validate() throws {
        guard !traces.isEmpty else { throw ValidationError("give the traces with --traces A.h5 B.h5 ...") }
    }

    func run() throws {
        let (config, evaluations) = try options.evaluate(traces)
        let table = SpeedupTable(evaluations: evaluations, models: model.models, perBlock: perBlock)
        let csv = table.csv(tokens: config.tokens)
        guard let out else {
            print(csv, terminator: "")
            return
        }
        let sidecarPath = SpeedupTable.sidecarPath(for: out)
        try emit(table.sidecar(config: config, split: options.split, mapper: options.mapping.mapper), to: sidecarPath)
        try emit(csv, to: out)
        print("wrote \(out) (\(csv.split(separator: "\n").count - 1) rows) and \(sidecarPath)")
    }
}
