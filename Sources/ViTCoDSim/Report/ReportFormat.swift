import Foundation
import Traces

/// Machine-readable renderings of a simulation: CSV (one row per layer) and JSON (everything).
/// Numbers are printed with fixed precision so that golden files compare exactly.
public enum ReportFormat {
    static let computeColumns = [
        "block", "projection", "rows", "cols", "sparsity", "model", "tokens", "dense_cycles", "sparse_cycles",
        "speedup", "dense_columns", "dense_kept", "sparse_kept", "dense_pe_columns", "sparse_pe_columns", "tiles",
    ]
    static let fullColumns = [
        "block", "projection", "rows", "cols", "sparsity", "model", "tokens", "dense_cycles", "sparse_cycles",
        "speedup", "bound", "compute_cycles", "memory_cycles", "pe_utilization", "weight_value_bytes",
        "weight_metadata_bytes", "input_bytes", "output_bytes", "ladder_peak", "ladder_engine_split",
        "ladder_mapping", "ladder_imbalance", "ladder_bandwidth", "dense_columns", "dense_pe_columns",
        "token_tile", "row_tile",
    ]
    /// Added when the mapper chose the mapping.
    static let mappingColumns = [
        "dense_lines", "sparse_lines", "loop_order", "sparse_format", "nm_datapath", "fixed_cycles",
        "gain_over_fixed", "candidates", "plays", "gap", "fell_back_to_dense",
    ]

    static func columns(_ summary: SimulationSummary) -> [String] {
        guard let first = summary.layers.first, first.model == .full else { return computeColumns }
        return first.full?.search != nil ? fullColumns + mappingColumns : fullColumns
    }

    public static func csv(_ summary: SimulationSummary) -> String {
        var lines = [columns(summary).joined(separator: ",")]
        for layer in summary.layers {
            lines.append(row(layer).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func row(_ layer: LayerReport) -> [String] {
        let tiles = layer.compute.tiles
        let common = [
            String(layer.id.block), layer.id.projection.rawValue, String(layer.rows), String(layer.cols),
            fixed(layer.sparsity, 6), layer.model.rawValue, String(layer.tokens), String(layer.denseCycles),
            String(layer.sparseCycles), fixed(layer.speedup, 6),
        ]
        let denseColumns = String(tiles.reduce(0) { $0 + $1.denseColumns })
        let densePE = tiles.map { String($0.densePEColumns) }.joined(separator: "/")
        guard let full = layer.full else {
            return common + [
                denseColumns, String(tiles.reduce(0) { $0 + $1.denseKept }), String(tiles.reduce(0) { $0 + $1.sparseKept }),
                densePE, tiles.map { String($0.sparsePEColumns) }.joined(separator: "/"), String(tiles.count),
            ]
        }
        let run = full.sparse, mapping = run.mapping
        let row = common + [
            run.isMemoryBound ? "memory" : "compute", String(run.computeCycles), String(run.memoryCycles),
            fixed(run.peUtilization, 6), fixed(run.traffic.weightValues, 1), fixed(run.traffic.weightMetadata, 1),
            fixed(run.traffic.inputs, 1), fixed(run.traffic.outputs, 1), String(run.ladder.peak),
            String(run.ladder.engineSplit), String(run.ladder.mapping), String(run.ladder.imbalance),
            String(run.ladder.bandwidth), String(mapping.denseColumns),
            mapping.partitions.map { String($0.densePEColumns) }.joined(separator: "/"),
            String(run.tiling.tokenTile), String(run.tiling.rowTile),
        ]
        guard let search = full.search else { return row }
        return row + [
            mapping.denseLines.rawValue, mapping.sparseLines.rawValue, mapping.loopOrder.rawValue,
            mapping.hasSparseColumns ? mapping.format.rawValue : "none", mapping.structured ? "1" : "0",
            String(search.fixedCycles), fixed(search.gain(over: run.cycles), 6), String(search.candidates),
            String(search.plays), fixed(search.gap, 6), search.fellBackToDense ? "1" : "0",
        ]
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "inf"
    }

    // MARK: JSON

    public static func json(_ summary: SimulationSummary, config: HardwareConfig, trace: String?) -> String {
        let model = summary.layers.first?.model ?? .full
        let columns = columns(summary)
        let document = JSONDocument(
            trace: trace, model: model.rawValue, hardware: config,
            wholeModel: .init(denseCycles: summary.denseCycles, sparseCycles: summary.sparseCycles,
                              speedup: summary.speedup),
            mapper: summary.fixedMappingCycles.map {
                .init(fixedMappingCycles: $0, gainOverFixed: summary.gainOverFixedMapping!,
                      layersFallingBackToDense: summary.layersFallingBackToDense, largestGap: summary.largestSearchGap)
            },
            projections: summary.projections.map {
                .init(projection: $0.projection.rawValue, layers: $0.layers, sparsity: $0.sparsity,
                      meanSpeedup: $0.meanSpeedup, minSpeedup: $0.minSpeedup, maxSpeedup: $0.maxSpeedup,
                      aggregateSpeedup: $0.aggregateSpeedup)
            },
            layers: summary.layers.map { Dictionary(uniqueKeysWithValues: zip(columns, row($0))) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try! encoder.encode(document), as: UTF8.self) + "\n"
    }

    struct JSONDocument: Encodable {
        struct WholeModel: Encodable {
            var denseCycles: Int
            var sparseCycles: Int
            var speedup: Double
        }
        struct Mapper: Encodable {
            var fixedMappingCycles: Int
            var gainOverFixed: Double
            var layersFallingBackToDense: Int
            var largestGap: Double
        }
        struct Projection: Encodable {
            var projection: String
            var layers: Int
            var sparsity: Double
            var meanSpeedup: Double
            var minSpeedup: Double
            var maxSpeedup: Double
            var aggregateSpeedup: Double
        }
        var trace: String?
        var model: String
        var hardware: HardwareConfig
        var wholeModel: WholeModel
        /// Present when the mapper chose the mappings (each layer's is in its columns).
        var mapper: Mapper?
        var projections: [Projection]
        /// Per layer, the CSV columns as strings (exact, fixed precision).
        var layers: [[String: String]]
    }
}
