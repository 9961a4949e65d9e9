import ArgumentParser

@main
struct Sparsim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsim",
        abstract: "Prune LLaMA-family models and simulate the pruned layers on a sparse accelerator.",
        discussion: """
            Traces (HDF5 files of per-layer keep-masks, see docs/trace-format.md) connect the pruner \
            and the simulator. Run `sparsim help <subcommand>` for the options of each.
            """,
        version: "0.1.0",
        subcommands: [Prune.self, Eval.self, Simulate.self, Compare.self, Table.self, TraceCommand.self, TaskCommand.self, Export.self, Bench.self]
    )

    static func main() {
        HeapTuning.keepLargeAllocationsInTheHeap()
        main(nil)
    }
}
