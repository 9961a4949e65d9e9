import ArgumentParser
import ViTCoDSim

/// How the full model maps layers: the flags shared by every command that simulates.
struct MapperFlags: ParsableArguments {
    @Option(help: """
        Full model: search each layer's best mapping (search), or keep the mapping from before the mapper \
        (fixed: compute-model partition, lines along rows, the tiler's tiles, nothing kept on chip).
        """)
    var mapper: MapperKind = .search

    @Option(name: .customLong("max-plays"), help: "Mapper: most candidate mappings played cycle by cycle per layer.")
    var maxPlays: Int = MapperOptions().maxPlays

    @Option(name: .customLong("mapper-tolerance"),
            help: "Mapper: stop once no unplayed candidate's bound is this fraction below the best found (0: prove the optimum).")
    var tolerance: Double = MapperOptions().tolerance

    func validate() throws {
        guard maxPlays >= 1 else { throw ValidationError("--max-plays must be at least 1, got \(maxPlays)") }
        guard tolerance >= 0, tolerance < 1 else { throw ValidationError("--mapper-tolerance must be in [0, 1), got \(tolerance)") }
    }

    /// A `--sparse-format` given on the command line restricts the search to that format.
    func options(format: SparseFormat?) -> MapperOptions {
        MapperOptions(maxPlays: maxPlays, tolerance: tolerance, formats: format.map { [$0] })
    }

    func simulator(config: HardwareConfig, model: CycleModel, split: SplitSearch, quirks: ReferenceQuirks = .none,
                   format: SparseFormat?) -> Simulator {
        Simulator(config: config, model: model, search: split, quirks: quirks, mapper: mapper, mapperOptions: options(format: format))
    }
}

extension MapperKind: ExpressibleByArgument {}
