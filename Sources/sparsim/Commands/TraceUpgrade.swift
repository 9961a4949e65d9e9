import ArgumentParser
import Traces

/// `sparsim trace upgrade`: rewrite a trace in the current HDF5 format, its content unchanged.
struct TraceUpgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Rewrite an older trace in HDF5 1.8's format (checksummed metadata, fixed-length strings).",
        discussion: """
            sparsim reads only traces whose HDF5 metadata carries checksums, so that a damaged file \
            is an error instead of a crash inside the HDF5 library. Traces written by sparsim before \
            December 2026 (or by h5py with its default libver) lack them: this reads one, checking \
            every layer as any read does, and writes the same masks, weights, attributes and metrics \
            in the current format. Only upgrade files you trust: the old format is not protected \
            against damage.
            """
    )

    @Argument(help: "The trace to read.") var input: String
    @Option(help: "Where to write the upgraded trace (it must not exist).") var out: String

    func run() throws {
        let trace = try Trace.read(from: input, acceptingUnchecksummed: true)
        try trace.write(to: out)
        print("wrote \(out): \(trace.layers.count) layers of \(input) in the current format")
    }
}
