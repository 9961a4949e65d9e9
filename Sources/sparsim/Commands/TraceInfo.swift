import Foundation
import ArgumentParser
import Traces

/// `sparsim trace info FILE`: a trace's header and a table of its layers.
struct TraceInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a trace's metadata and a per-layer table (block, projection, shape, sparsity).",
        discussion: "Reads the whole trace and checks every mask against its recorded shape and nonzero count."
    )

    @Argument(help: "The trace file (.h5).")
    var file: String

    @Flag(name: .long, help: "Print only the header and the per-projection summary, not every layer.")
    var summary = false

    func run() throws {
        let reader = try TraceReader(path: file)
        // Load every mask so that a damaged layer is reported here rather than later; keep only
        // what the table shows of its optional content.
        var extras: [LayerID: (weights: String, learned: String)] = [:]
        for summary in reader.layers {
            let layer = try reader.layer(summary.id)
            let weights = layer.weight == nil ? "-" : layer.quantization?.description ?? "float32"
            let learned = layer.learnedSparsity.map { values in
                Percent(Double(values.reduce(0, +)) / Double(values.count)).description + (values.count > 1 ? " (row mean)" : "")
            } ?? "-"
            extras[summary.id] = (weights, learned)
        }
        print(Self.header(reader))
        if !summary {
            print()
            print(layerTable(reader.layers, extras: extras).render())
        }
        print()
        print(projectionTable(reader.layers).render())
    }

    static func header(_ reader: TraceReader) -> String {
        let meta = reader.metadata
        let kept = reader.layers.reduce(0) { $0 + $1.nonzeroCount }
        let total = reader.layers.reduce(0) { $0 + $1.rows * $1.cols }
        var lines: [(String, String)] = [
            ("trace", reader.path),
            ("format", "\(TraceFormat.name) v\(TraceFormat.version), created by \(meta.createdBy)"),
            ("model", meta.model),
            ("method", meta.method),
            ("target sparsity", "\(meta.targetSparsity) (\(meta.pattern))"),
            ("calibration", meta.calibrationSamples == 0 ? "none" : "\(meta.calibrationSamples) windows × \(meta.seqlen) tokens"
                + (meta.calibrationSHA256.map { ", sha256 \($0)" } ?? "")),
            ("layers", "\(reader.layers.count) in \(reader.blocks.count) blocks, \(total) weights, "
                + "overall sparsity \(Percent(1 - Double(kept) / Double(total)))"),
        ]
        if let recipe = meta.recipe {
            // One line: the recorded JSON with its indentation folded away.
            lines.append(("recipe", recipe.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")))
        }
        if !reader.config.isEmpty {
            lines.append(("config", reader.config.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))
        }
        if !reader.metrics.isEmpty {
            lines.append(("metrics", reader.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

    func layerTable(_ layers: [LayerSummary], extras: [LayerID: (weights: String, learned: String)]) -> TextTable {
        let showLearned = extras.values.contains { $0.learned != "-" }
        var table = TextTable(columns: ["block", "projection", "shape", "nnz", "sparsity", "weights"] + (showLearned ? ["learned ŝ"] : []),
                              rightAligned: [0, 3, 4])
        for layer in layers {
            let extra = extras[layer.id] ?? ("-", "-")
            table.append([String(layer.id.block), layer.id.projection.rawValue, "\(layer.rows)×\(layer.cols)",
                          String(layer.nonzeroCount), Percent(layer.sparsity).description, extra.weights]
                         + (showLearned ? [extra.learned] : []))
        }
        return table
    }

    func projectionTable(_ layers: [LayerSummary]) -> TextTable {
        var table = TextTable(columns: ["projection", "layers", "sparsity", "min", "max"], rightAligned: [1, 2, 3, 4])
        for projection in Projection.allCases {
            let group = layers.filter { $0.id.projection == projection }
            guard !group.isEmpty else { continue }
            let kept = group.reduce(0) { $0 + $1.nonzeroCount }
            let total = group.reduce(0) { $0 + $1.rows * $1.cols }
            let sparsities = group.map(\.sparsity)
            table.append([projection.rawValue, String(group.count), Percent(1 - Double(kept) / Double(total)).description,
                          Percent(sparsities.min()!).description, Percent(sparsities.max()!).description])
        }
        return table
    }
}
