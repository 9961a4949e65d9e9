import Foundation
import Traces
import ViTCoDSim

/// The human-readable report of `sparsim simulate`.
struct SimulationTable {
    let summary: SimulationSummary
    let config: HardwareConfig
    /// The only format the mapper was allowed (nil: all).
    let requestedFormat: SparseFormat?
    let reader: TraceReader
    let shownOf: Int
    let ladder: Bool
    let crossovers: [LayerID: Int?]?

    func render() -> String {
        var sections = [header(), layerTable().render()]
        if summary.fixedMappingCycles != nil { sections.append(mappingTable().render()) }
        if ladder, summary.layers.first?.full != nil { sections.append(ladderTable().render()) }
        sections.append(projectionTable().render())
        var closing = "whole model (\(summary.layers.count) layers shown): \(Self.times(summary.speedup)) speedup "
            + "(Σ dense \(summary.denseCycles) / Σ sparse \(summary.sparseCycles) cycles)"
        if let fixed = summary.fixedMappingCycles {
            let fallbacks = summary.layersFallingBackToDense
            closing += "\nmapper: \(Self.times(summary.gainOverFixedMapping!)) over the fixed mapping "
                + "(Σ fixed \(fixed) cycles); "
                + (fallbacks == 0 ? "no layer falls back to all-dense"
                    : "\(fallbacks) of \(summary.layers.count) layers run unpruned: sparsity does not pay there")
                + String(format: "; largest unproven gap %.1f%%", 100 * summary.largestSearchGap)
        }
        sections.append(closing)
        return sections.joined(separator: "\n\n")
    }

    static func times(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3f×", value) : "∞"
    }

    private func header() -> String {
        let meta = reader.metadata
        let model = summary.layers.first?.model ?? .full
        var hardware = "\(config.peRows)×\(config.peColumns) PEs at \(config.clockMHz) MHz"
        if model == .full {
            hardware += String(format: ", %.1f GB/s (%.1f B/cycle), buffers weight/input/index/output %g/%g/%g/%g KiB",
                config.dramGBps, config.dramBytesPerCycle, config.weightBufferKiB, config.inputBufferKiB,
                config.indexBufferKiB, config.outputBufferKiB)
                + ", \(config.valueBits)-bit values, M = \(config.tokens) tokens"
                + (config.nmDatapath ? ", N:M datapath" : "")
                + (summary.fixedMappingCycles == nil ? ", fixed mapping, \(config.sparseFormat.rawValue) format"
                    : ", mappings searched per layer" + (requestedFormat.map { " (\($0.rawValue) format only)" } ?? ""))
        }
        return [
            "trace     \(reader.path): \(meta.method) on \(meta.model), target \(meta.targetSparsity) \(meta.pattern)",
            "model     \(model.rawValue)\(model == .compute ? " (compute cycles only, one token at a time)" : "")",
            "hardware  \(hardware)",
            "layers    \(summary.layers.count) of \(shownOf)",
        ].joined(separator: "\n")
    }

    private func layerTable() -> TextTable {
        let full = summary.layers.first?.full != nil
        var columns = ["block", "projection", "shape", "sparsity", "dense cycles", "sparse cycles", "speedup"]
        if full { columns += ["bound", "PE util", "MB moved"] } else { columns += ["dense cols", "PE split"] }
        if crossovers != nil { columns.append("first compute-bound M") }
        var table = TextTable(columns: columns, rightAligned: Set([0, 3, 4, 5, 6] + (full ? [8, 9] : [7]) + (crossovers != nil ? [columns.count - 1] : [])))
        for layer in summary.layers {
            var row = [String(layer.id.block), layer.id.projection.rawValue, "\(layer.rows)×\(layer.cols)",
                       Percent(layer.sparsity).description, String(layer.denseCycles), String(layer.sparseCycles),
                       Self.times(layer.speedup)]
            if let run = layer.full?.sparse {
                row += [run.isMemoryBound ? "memory" : "compute", Percent(run.peUtilization).description,
                        String(format: "%.2f", run.traffic.total / 1_048_576)]
            } else {
                row += [String(layer.compute.tiles.reduce(0) { $0 + $1.denseColumns }),
                        layer.compute.tiles.map { "\($0.densePEColumns)/\($0.sparsePEColumns)" }.joined(separator: " ")]
            }
            if let crossovers {
                row.append((crossovers[layer.id] ?? nil).map(String.init) ?? "> 16384")
            }
            table.append(row)
        }
        return table
    }

    /// The mapping the mapper chose for each layer, against the fixed one.
    private func mappingTable() -> TextTable {
        var table = TextTable(columns: ["block", "projection", "mapping chosen", "fixed cycles", "gain", "plays", "gap"],
                              rightAligned: [0, 3, 4, 5, 6])
        for layer in summary.layers {
            guard let full = layer.full, let search = full.search else { continue }
            let mapping = search.fellBackToDense ? "all dense (sparsity does not pay): " + full.sparse.mapping.summary
                                                 : full.sparse.mapping.summary
            table.append([String(layer.id.block), layer.id.projection.rawValue, mapping, String(search.fixedCycles),
                          Self.times(search.gain(over: full.sparse.cycles)), String(search.plays),
                          String(format: "%.1f%%", 100 * search.gap)])
        }
        return table
    }

    private func ladderTable() -> TextTable {
        var table = TextTable(columns: ["block", "projection", "peak", "+ engine split", "+ mapping", "+ imbalance", "+ bandwidth"],
                              rightAligned: [0, 2, 3, 4, 5, 6])
        for layer in summary.layers {
            guard let ladder = layer.full?.sparse.ladder else { continue }
            table.append([String(layer.id.block), layer.id.projection.rawValue, String(ladder.peak), String(ladder.engineSplit),
                          String(ladder.mapping), String(ladder.imbalance), String(ladder.bandwidth)])
        }
        return table
    }

    private func projectionTable() -> TextTable {
        var table = TextTable(columns: ["projection", "layers", "sparsity", "mean speedup", "min", "max", "Σdense/Σsparse"],
                              rightAligned: [1, 2, 3, 4, 5, 6])
        for projection in summary.projections {
            table.append([projection.projection.rawValue, String(projection.layers), Percent(projection.sparsity).description,
                          Self.times(projection.meanSpeedup), Self.times(projection.minSpeedup),
                          Self.times(projection.maxSpeedup), Self.times(projection.aggregateSpeedup)])
        }
        return table
    }
}
