import Traces

/// Speedups of one projection type across blocks.
public struct ProjectionSummary: Sendable, Equatable {
    public var projection: Projection
    public var layers: Int
    public var meanSpeedup: Double
    public var minSpeedup: Double
    public var maxSpeedup: Double
    /// Σ dense cycles / Σ sparse cycles over the blocks.
    public var aggregateSpeedup: Double
    public var sparsity: Double
}

/// What `sparsim simulate` reports: every layer, a summary per projection, and the whole model.
public struct SimulationSummary: Sendable, Equatable {
    public var layers: [LayerReport]
    public var projections: [ProjectionSummary]
    public var denseCycles: Int
    public var sparseCycles: Int
    /// Σ dense cycles / Σ sparse cycles over all layers simulated.
    public var speedup: Double { Double(denseCycles) / Double(sparseCycles) }

    /// Mapper: Σ cycles of the fixed mapping over the layers (nil unless the mapper ran).
    public var fixedMappingCycles: Int? {
        guard layers.allSatisfy({ $0.full?.search != nil }), !layers.isEmpty else { return nil }
        return layers.reduce(0) { $0 + $1.full!.search!.fixedCycles }
    }
    /// Mapper: Σ fixed-mapping cycles / Σ chosen cycles (nil unless the mapper ran).
    public var gainOverFixedMapping: Double? { fixedMappingCycles.map { Double($0) / Double(sparseCycles) } }
    /// Mapper: layers whose best mapping runs them unpruned (sparsity does not pay there).
    public var layersFallingBackToDense: Int { layers.filter { $0.full?.search?.fellBackToDense == true }.count }
    /// Mapper: the largest unproven gap of any layer.
    public var largestSearchGap: Double { layers.compactMap { $0.full?.search?.gap }.max() ?? 0 }

    /// The summary of one projection type, if any of its layers was simulated.
    public func projection(_ projection: Projection) -> ProjectionSummary? {
        projections.first { $0.projection == projection }
    }

    public init(layers: [LayerReport]) {
        self.layers = layers.sorted { $0.id < $1.id }
        denseCycles = layers.reduce(0) { $0 + $1.denseCycles }
        sparseCycles = layers.reduce(0) { $0 + $1.sparseCycles }
        projections = Projection.allCases.compactMap { projection in
            let group = layers.filter { $0.id.projection == projection }
            guard !group.isEmpty else { return nil }
            let speedups = group.map(\.speedup)
            let dense = group.reduce(0) { $0 + $1.denseCycles }, sparse = group.reduce(0) { $0 + $1.sparseCycles }
            let kept = group.reduce(0) { $0 + $1.kept }, total = group.reduce(0) { $0 + $1.rows * $1.cols }
            return ProjectionSummary(
                projection: projection, layers: group.count,
                meanSpeedup: speedups.reduce(0, +) / Double(speedups.count),
                minSpeedup: speedups.min()!, maxSpeedup: speedups.max()!,
                aggregateSpeedup: Double(dense) / Double(sparse),
                sparsity: 1 - Double(kept) / Double(total))
        }
    }
}
