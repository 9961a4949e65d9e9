import Foundation
import Traces

/// How hard the mapper searches.
public struct MapperOptions: Sendable, Equatable {
    /// Most candidates played cycle by cycle per layer (besides the fixed mapping).
    public var maxPlays = 32
    /// Stop once no unplayed candidate's lower bound is more than this fraction below the best
    /// cycles found (0: prove the best mapping of the space).
    public var tolerance = 0.01
    /// Sparse formats to consider (nil: every format that fits the trace).
    public var formats: [SparseFormat]?

    public init(maxPlays: Int = 32, tolerance: Double = 0.01, formats: [SparseFormat]? = nil) {
        self.maxPlays = maxPlays
        self.tolerance = tolerance
        self.formats = formats
    }

    /// Plays every candidate whose bound could beat the best: the exact optimum of the space.
    public static let exhaustive = MapperOptions(maxPlays: .max, tolerance: 0)
}

/// What the search did for one layer.
public struct MappingSearchReport: Equatable, Sendable {
    /// Cycles of the fixed mapping (compute-model partition, lines along rows, `Tiler` tiles).
    public var fixedCycles: Int
    /// Candidates bounded, and played cycle by cycle.
    public var candidates: Int
    public var plays: Int
    /// How much below the chosen cycles the best unplayed bound lies (0 when the search proved
    /// its choice optimal within the space).
    public var gap: Double
    /// The best mapping keeps every column dense at full width: sparsity does not pay here.
    public var fellBackToDense: Bool

    /// Fixed cycles / chosen cycles.
    public func gain(over cycles: Int) -> Double { Double(fixedCycles) / Double(cycles) }
}

/// Searches the mapspace of each layer under the full cycle model: every candidate gets a lower
/// bound from the ladder's analytic rungs (fold-aware engine work, and exact DRAM traffic over the
/// bandwidth), then candidates are played cycle by cycle in order of their bounds until no
/// unplayed bound can beat the best played (branch and bound), or the budget is spent.
///
/// The dense baseline is searched the same way over all-dense mappings (and cached per shape:
/// it does not depend on the mask). The sparse result is never worse than the fixed mapping (it is
/// played as a candidate) nor than the dense baseline (whose mapping is always available).
public final class Mapper: @unchecked Sendable {
    public let config: HardwareConfig
    public let options: MapperOptions
    private let lock = NSLock()
    private var denseBaselines: [String: FullRun] = [:]

    public init(config: HardwareConfig, options: MapperOptions = MapperOptions()) {
        self.config = config
        self.options = options
    }

    public func simulate(_ mask: KeepMask, projection: Projection, compute: ComputeModelResult,
                         valueBits: Int? = nil, groupSize: Int = 0) -> FullModelResult {
        let model = FullModel(config: config)
        let layer = LayerGeometry(mask: mask, peRows: config.peRows, groupSize: groupSize)
        let bits = valueBits ?? config.valueBits
        let dense = denseBaseline(layer, model: model)

        let tiles = ComputeModel.columnTiles(rows: mask.rows, cols: mask.cols, projection: projection)
        let fixed = model.play(model.fixedMapping(layer, partitions: zip(tiles, compute.tiles).map {
            ColumnPartition(columns: $0, denseColumns: $1.denseColumns, densePEColumns: $1.densePEColumns)
        }), on: layer, valueBits: bits)
        let spaces = Self.spaces {
            Mapspace(config: config, layer: layer, valueBits: bits, formats: options.formats,
                     extraDenseColumns: [compute.tiles.reduce(0) { $0 + $1.denseColumns }], allDenseOnly: false, bufferShare: $0)
        }
        var outcome = search(spaces, model: model, incumbent: fixed, baseline: false, options: options)
        if dense.cycles < outcome.best.cycles {
            // The unpruned layer under its best mapping is faster: run it so.
            outcome.best = model.play(dense.mapping, on: layer, valueBits: config.valueBits)
        }
        // Every column on the dense engine, whether the search chose it or it is the fallback.
        let report = MappingSearchReport(fixedCycles: fixed.cycles, candidates: outcome.candidates, plays: outcome.plays,
                                         gap: outcome.gap, fellBackToDense: outcome.best.mapping.isAllDense)
        return FullModelResult(tokens: config.tokens, sparse: outcome.best, dense: dense, search: report)
    }

    /// The best all-dense mapping of the unpruned layer; depends only on the shape.
    func denseBaseline(_ layer: LayerGeometry, model: FullModel) -> FullRun {
        let key = "\(layer.rows)x\(layer.cols)"
        lock.lock()
        let cached = denseBaselines[key]
        lock.unlock()
        if let cached { return cached }
        let unpruned = LayerGeometry(unprunedRows: layer.rows, cols: layer.cols, peRows: config.peRows)
        let spaces = Self.spaces {
            Mapspace(config: config, layer: unpruned, valueBits: config.valueBits, formats: [.bitmap],
                     extraDenseColumns: [], allDenseOnly: true, bufferShare: $0)
        }
        let start = model.play(model.fixedMapping(unpruned, partitions: [ColumnPartition(
            columns: 0..<layer.cols, denseColumns: layer.cols, densePEColumns: config.peColumns)]),
            on: unpruned, valueBits: config.valueBits, baseline: true)
        // Searched to within 0.01% of the optimum (to the optimum with a tolerance of 0): it is
        // done once per shape, and a looser baseline could let a larger buffer cost it cycles.
        // (Decode has hundreds of mappings within a few cycles of each other.)
        let denseOptions = MapperOptions(maxPlays: .max, tolerance: min(options.tolerance, 1e-4))
        let run = search(spaces, model: model, incumbent: start, baseline: true, options: denseOptions).best
        lock.lock()
        denseBaselines[key] = run
        lock.unlock()
        return run
    }

    struct Outcome {
        var best: FullRun
        var candidates: Int
        var plays: Int
        var gap: Double
    }

    /// One space per buffer share: 1, ½, ¼, ... while anything fits. Because the smallest share is
    /// set by what fits, not by a count, the shares of a machine include all of those of a machine
    /// with half its buffers: doubling the buffers keeps every mapping and cannot cost cycles.
    static func spaces(_ make: (Double) -> Mapspace) -> [Mapspace] {
        var spaces: [Mapspace] = []
        var share = 1.0
        while true {
            let space = make(share)
            guard space.isFeasible else { break }
            spaces.append(space)
            share /= 2
        }
        return spaces
    }

    /// Branch and bound over the spaces, starting from a run already played.
    func search(_ spaces: [Mapspace], model: FullModel, incumbent: FullRun, baseline: Bool, options: MapperOptions) -> Outcome {
        let all = spaces.indices.flatMap { index in
            MappingBounds(space: spaces[index]).candidates().map { candidate in
                var tagged = candidate
                tagged.space = Int8(index)
                return tagged
            }
        }
        // Only candidates whose bound beats the starting run can matter.
        var candidates = all.filter { $0.bound < Double(incumbent.cycles) }
        candidates.sort { $0.bound < $1.bound }
        var best = incumbent
        var plays = 0
        var index = 0
        let budget = options.maxPlays
        while index < candidates.count {
            let candidate = candidates[index]
            if candidate.bound >= Double(best.cycles) * (1 - options.tolerance) { break }
            if plays >= budget { break }
            let space = spaces[Int(candidate.space)]
            let run = model.play(candidate.mapping(in: space), on: space.layer, valueBits: space.valueBits, baseline: baseline)
            plays += 1
            index += 1
            if run.cycles < best.cycles || (run.cycles == best.cycles && run.traffic.total < best.traffic.total) {
                best = run
            }
        }
        let nextBound = index < candidates.count ? candidates[index].bound : Double.infinity
        let gap = max(0, 1 - nextBound / Double(best.cycles))
        return Outcome(best: best, candidates: all.count, plays: plays, gap: gap)
    }
}
