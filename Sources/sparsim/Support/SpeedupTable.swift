import Foundation
import SparsimSupport
import Traces
import ViTCoDSim

/// The paper's Table 4 as CSV: one row per method (and block, if asked) and cycle model, one
/// speedup column per projection plus the whole model. Plain RFC 4180 CSV with a header row; the
/// hardware it was simulated on goes to a sidecar JSON, so that any CSV reader takes the file as is.
struct SpeedupTable {
    let evaluations: [MethodEvaluation]
    let models: [CycleModel]
    let perBlock: Bool

    static let columns = ["method", "pattern", "target_sparsity", "sparsity", "perplexity", "cycle_model", "tokens", "block"]
        + Projection.allCases.map(\.rawValue) + ["whole_model"]

    func csv(tokens: Int) -> String {
        var lines = [Self.columns.joined(separator: ",")]
        for evaluation in evaluations {
            for model in models {
                let summary = evaluation.summary(model)
                let common = [Self.quoted(evaluation.metadata.method), evaluation.metadata.pattern.description,
                              Self.fixed(evaluation.metadata.targetSparsity), Self.fixed(evaluation.sparsity),
                              evaluation.perplexity.map(Self.fixed) ?? "", model.rawValue, String(model == .compute ? 1 : tokens)]
                lines.append((common + ["all"] + Self.speedups(summary)).joined(separator: ","))
                guard perBlock else { continue }
                for block in Set(summary.layers.map(\.id.block)).sorted() {
                    let blockSummary = SimulationSummary(layers: summary.layers.filter { $0.id.block == block })
                    lines.append((common + [String(block)] + Self.speedups(blockSummary)).joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Per projection Σ dense / Σ sparse cycles over the layers, then the same over all of them.
    static func speedups(_ summary: SimulationSummary) -> [String] {
        Projection.allCases.map { projection in
            summary.projection(projection).map { fixed($0.aggregateSpeedup) } ?? ""
        } + [fixed(summary.speedup)]
    }

    static func fixed(_ value: Double) -> String { value.isFinite ? String(format: "%.6f", value) : "inf" }

    static func quoted(_ text: String) -> String {
        text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// What the CSV leaves out: the hardware, the partition search and the traces behind each row.
    struct Sidecar: Encodable {
        struct Source: Encodable {
            var method: String
            var pattern: String
            var trace: String
            var model: String
            var calibrationSamples: Int
            var calibrationSeqlen: Int
            /// What the pruning run recorded: perplexity, seconds, peak memory, zero-shot scores.
            var metrics: [String: Double]
        }
        var hardware: HardwareConfig
        var split: String
        /// Full model: `search` (each layer's best mapping) or `fixed`.
        var mapper: String
        var speedup = "Σ dense cycles / Σ sparse cycles over the layers of the row (dense = the same hardware, all weights)"
        var traces: [Source]
    }

    func sidecar(config: HardwareConfig, split: SplitSearch, mapper: MapperKind) -> String {
        let document = Sidecar(hardware: config, split: split.rawValue, mapper: mapper.rawValue, traces: evaluations.map {
            .init(method: $0.metadata.method, pattern: $0.metadata.pattern.description, trace: $0.path, model: $0.metadata.model,
                  calibrationSamples: $0.metadata.calibrationSamples, calibrationSeqlen: $0.metadata.seqlen, metrics: $0.metrics)
        })
        return StableJSON.text(of: document) + "\n"
    }

    /// `table4.csv` → `table4.json`; any other name gets `.json` appended.
    static func sidecarPath(for csvPath: String) -> String {
        csvPath.hasSuffix(".csv") ? String(csvPath.dropLast(4)) + ".json" : csvPath + ".json"
    }
}
