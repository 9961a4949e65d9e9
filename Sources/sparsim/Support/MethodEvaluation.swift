import Foundation
import Traces
import ViTCoDSim

/// Everything `compare`, `table` and their plots say about one trace: its sparsity, the quality
/// its run recorded, and the simulated speedups under both cycle models.
struct MethodEvaluation {
    let path: String
    let metadata: TraceMetadata
    let metrics: [String: Double]
    /// Short name for tables and legends: method and pattern, e.g. `besa-row 50%`, `wanda 2:4`.
    var label: String
    /// One pass of the simulator gives both models: the full model's report carries the compute
    /// model's partition and cycles.
    let compute: SimulationSummary
    let full: SimulationSummary
    /// Fraction of weights pruned in each row, over all layers.
    let rowSparsity: RowSparsityStatistics

    /// Pruned fraction of the whole trace.
    var sparsity: Double { full.layers.isEmpty ? 0 : 1 - Double(full.layers.reduce(0) { $0 + $1.kept }) / Double(full.layers.reduce(0) { $0 + $1.rows * $1.cols }) }

    func sparsity(of projection: Projection) -> Double? { full.projection(projection)?.sparsity }

    func summary(_ model: CycleModel) -> SimulationSummary { model == .compute ? compute : full }

    /// `perplexity 68.28 (16 × 512)`-style text, or nil when the run did not evaluate.
    var perplexity: Double? { metrics["perplexity"] }

    /// Zero-shot scores `prune --eval-task` recorded, by `NAME_METRIC` (e.g. `endings_acc_norm`).
    var taskScores: [String: Double] {
        var scores: [String: Double] = [:]
        for (key, value) in metrics where key.hasPrefix("task_") && !key.hasSuffix("_items") { scores[String(key.dropFirst(5))] = value }
        return scores
    }

    static func evaluate(_ reader: TraceReader, simulator: Simulator) throws -> MethodEvaluation {
        let path = reader.path
        let groupSize = try SparseFormatCheck.groupSize(for: reader.metadata.pattern, format: simulator.config.sparseFormat, path: path)
        let outcomes = try reader.mapLayers(reader.layers, label: "simulating \(URL(fileURLWithPath: path).lastPathComponent)") { layer in
            let report = simulator.simulate(LayerWorkload(id: layer.id, mask: layer.mask, valueBits: layer.quantization?.bits), groupSize: groupSize)
            let pruned = layer.mask.rowCounts().map { Double(layer.mask.cols - $0) / Double(layer.mask.cols) }
            return (report, RowSparsityStatistics(pruned))
        }
        let full = outcomes.map(\.0)
        let compute = full.map { report in
            var computeOnly = report
            computeOnly.model = .compute
            computeOnly.full = nil
            return computeOnly
        }
        return MethodEvaluation(path: path, metadata: reader.metadata, metrics: reader.metrics,
                                label: Self.label(reader.metadata), compute: SimulationSummary(layers: compute),
                                full: SimulationSummary(layers: full),
                                rowSparsity: outcomes.map(\.1).reduce(RowSparsityStatistics([]), +))
    }

    static func label(_ metadata: TraceMetadata) -> String {
        let pattern = switch metadata.pattern {
        case .unstructured: "\(Int((100 * metadata.targetSparsity).rounded()))%"
        case .nOfM: metadata.pattern.description
        }
        return metadata.method.contains(pattern) ? metadata.method : "\(metadata.method) \(pattern)"
    }

    /// Evaluates every trace, after checking that they prune the same model (same name, same
    /// layers and shapes), and makes the labels unique.
    static func evaluateAll(_ paths: [String], simulator: Simulator) throws -> [MethodEvaluation] {
        guard !paths.isEmpty else { throw CLIError("give at least one trace") }
        let readers = try paths.map { try TraceReader(path: $0) }
        let first = readers[0]
        for reader in readers.dropFirst() {
            if reader.metadata.model != first.metadata.model {
                throw CLIError("traces of different models: \(first.path) prunes '\(first.metadata.model)', "
                    + "\(reader.path) prunes '\(reader.metadata.model)'")
            }
            let shapes = { (r: TraceReader) in r.layers.map { "\($0.id.tracePath) \($0.rows)×\($0.cols)" } }
            if shapes(reader) != shapes(first) {
                throw CLIError("traces of different model shapes: \(first.path) has \(first.layers.count) layers in "
                    + "\(first.blocks.count) blocks, \(reader.path) has \(reader.layers.count) in \(reader.blocks.count) "
                    + "(or their shapes differ)")
            }
        }
        var evaluations = try readers.map { try evaluate($0, simulator: simulator) }
        for label in Set(evaluations.map(\.label)) {
            let same = evaluations.indices.filter { evaluations[$0].label == label }
            guard same.count > 1 else { continue }
            for index in same { evaluations[index].label += " (\(URL(fileURLWithPath: evaluations[index].path).lastPathComponent))" }
        }
        return evaluations
    }
}

/// Min, max, mean and standard deviation of per-row pruned fractions, mergeable across layers.
struct RowSparsityStatistics {
    var count = 0
    var sum = 0.0
    var sumOfSquares = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity

    init(_ values: [Double]) {
        for value in values {
            count += 1
            sum += value
            sumOfSquares += value * value
            minimum = min(minimum, value)
            maximum = max(maximum, value)
        }
    }

    var mean: Double { sum / Double(max(count, 1)) }
    var standardDeviation: Double { (max(0, sumOfSquares / Double(max(count, 1)) - mean * mean)).squareRoot() }

    static func + (a: Self, b: Self) -> Self {
        var merged = a
        merged.count += b.count
        merged.sum += b.sum
        merged.sumOfSquares += b.sumOfSquares
        merged.minimum = min(a.minimum, b.minimum)
        merged.maximum = max(a.maximum, b.maximum)
        return merged
    }
}

/// The N:M group size a trace implies for the simulator, and whether the sparse format fits it.
enum SparseFormatCheck {
    static func groupSize(for pattern: SparsityPattern, format: SparseFormat, path: String) throws -> Int {
        if case .nOfM(_, let m) = pattern { return m }
        if format == .nm { throw CLIError("--sparse-format nm needs an N:M trace; \(path) is \(pattern)") }
        return 0
    }
}
