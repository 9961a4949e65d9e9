import ArgumentParser

/// `sparsim trace ...`: look at and make trace files.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Inspect and synthesize sparsim trace files.",
        subcommands: [TraceInfo.self, TraceSynth.self, TraceUpgrade.self]
    )
}
