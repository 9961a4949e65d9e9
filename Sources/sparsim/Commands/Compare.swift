import ArgumentParser
import Foundation
import Traces
import ViTCoDSim

/// `sparsim compare`: several traces of one model side by side.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare pruning methods' traces of one model: sparsity, perplexity, row balance and simulated speedups.",
        discussion: """
            For each trace: overall and per-projection sparsity, the perplexity its pruning run recorded, \
            the spread of per-row sparsity, and the speedup over dense per projection (Σ dense / Σ sparse \
            cycles over the blocks) and for the whole model, under the compute model (the paper's Table 4: \
            one token, compute cycles only) and the full model (tiling, buffers, DRAM traffic; --tokens). \
            The traces must prune the same model.
            """
    )

    @Argument(help: "Traces (.h5) to compare.")
    var traces: [String]

    @OptionGroup var options: ComparisonOptions

    func run() throws {
        let (config, evaluations) = try options.evaluate(traces)
        print(Self.render(evaluations, config: config))
    }

    static func render(_ evaluations: [MethodEvaluation], config: HardwareConfig) -> String {
        let first = evaluations[0]
        let blocks = Set(first.full.layers.map(\.id.block)).count
        let header = [
            "model     \(first.metadata.model) (\(blocks) blocks, \(first.full.layers.count) layers)",
            String(format: "hardware  %d×%d PEs at %g MHz, %.1f GB/s, %d-bit values%@; full model at M = %d tokens, %@",
                   config.peRows, config.peColumns, config.clockMHz, config.dramGBps, config.valueBits,
                   config.nmDatapath ? ", N:M datapath" : "", config.tokens,
                   first.full.fixedMappingCycles != nil ? "mappings searched per layer"
                       : "fixed mapping, \(config.sparseFormat.rawValue) format"),
        ].joined(separator: "\n")
        let projections = Projection.allCases
        let names = projections.map(\.rawValue)

        var quality = TextTable(columns: ["method", "perplexity", "sparsity"] + names + ["row sparsity min–max", "row std"],
                                rightAligned: Set(1..<(names.count + 5)))
        for evaluation in evaluations {
            let perplexity = evaluation.perplexity.map { value in
                let windows = evaluation.metrics["perplexity_windows"].map { String(Int($0)) } ?? "?"
                let length = evaluation.metrics["perplexity_seqlen"].map { String(Int($0)) } ?? "?"
                return String(format: "%.2f (%@×%@)", value, windows, length)
            } ?? "–"
            let rows = evaluation.rowSparsity
            quality.append([evaluation.label, perplexity, Percent(evaluation.sparsity).description]
                + projections.map { evaluation.sparsity(of: $0).map { Percent($0).description } ?? "–" }
                + [String(format: "%.1f–%.1f%%", 100 * rows.minimum, 100 * rows.maximum), String(format: "%.2f pp", 100 * rows.standardDeviation)])
        }
        var sections = [header, "Quality and sparsity\n" + quality.render()]
        let taskScores = evaluations.map(\.taskScores)
        let scoreNames = Set(taskScores.flatMap(\.keys)).sorted()
        if !scoreNames.isEmpty {
            var scores = TextTable(columns: ["method"] + scoreNames, rightAligned: Set(1...scoreNames.count))
            for (evaluation, recorded) in zip(evaluations, taskScores) {
                scores.append([evaluation.label] + scoreNames.map { recorded[$0].map { String(format: "%.4f", $0) } ?? "–" })
            }
            sections.append("Zero-shot (recorded by prune --eval-task)\n" + scores.render())
        }
        for model in CycleModel.allCases {
            var table = TextTable(columns: ["method"] + names + ["whole model"], rightAligned: Set(1...(names.count + 1)))
            for evaluation in evaluations {
                let summary = evaluation.summary(model)
                table.append([evaluation.label]
                    + projections.map { projection in
                        summary.projection(projection).map { SimulationTable.times($0.aggregateSpeedup) } ?? "–"
                    }
                    + [SimulationTable.times(summary.speedup)])
            }
            let title = model == .compute
                ? "Speedup over dense, compute model (one token, compute cycles only: the paper's Table 4)"
                : "Speedup over dense, full model (M = \(config.tokens) tokens, memory traffic included)"
            sections.append(title + "\n" + table.render())
        }
        if evaluations.allSatisfy({ $0.full.gainOverFixedMapping != nil }) {
            var table = TextTable(columns: ["method", "gain over the fixed mapping", "layers run unpruned", "largest gap"],
                                  rightAligned: [1, 2, 3])
            for evaluation in evaluations {
                let full = evaluation.full
                table.append([evaluation.label, SimulationTable.times(full.gainOverFixedMapping!),
                              "\(full.layersFallingBackToDense) of \(full.layers.count)",
                              String(format: "%.1f%%", 100 * full.largestSearchGap)])
            }
            sections.append("Mapping search, full model (layers run unpruned: sparsity does not pay there)\n" + table.render())
        }
        return sections.joined(separator: "\n\n")
    }
}
