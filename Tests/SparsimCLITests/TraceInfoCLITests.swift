import Foundation
import Testing
import Traces
import TestSupport

@Suite struct TraceInfoCLITests {
    @Test func helpListsTheSubcommands() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("SUBCOMMANDS:"))
        #expect(result.stdout.contains("trace"))
        let trace = try CLI.run(["trace", "info", "--help"])
        #expect(trace.status == 0)
        #expect(trace.stdout.contains("USAGE: sparsim trace info"))
    }

    @Test func printsMetadataAndPerLayerTable() throws {
        let folder = try TemporaryDirectory()
        let directory = folder.path
        let path = directory + "/t.h5"
        // Block 3 gate_proj keeps 3 of 8 (62.50% sparse); block 3 q_proj keeps all of 2×2.
        let gate = KeepMask(rows: 2, cols: 4) { row, col in row == 0 ? col < 3 : false }
        try Trace(metadata: TraceMetadata(model: "tiny", method: "wanda", targetSparsity: 0.5, seqlen: 64, calibrationSamples: 8),
                  metrics: ["perplexity": 20.5],
                  layers: [TraceLayer(id: LayerID(block: 3, projection: .gate), mask: gate),
                           TraceLayer(id: LayerID(block: 3, projection: .q), mask: KeepMask(rows: 2, cols: 2))])
            .write(to: path)
        let result = try CLI.run(["trace", "info", path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("method           wanda"))
        #expect(lines.contains("calibration      8 windows × 64 tokens"))
        #expect(lines.contains("metrics          perplexity=20.5"))
        #expect(lines.contains { $0.hasPrefix("layers ") && $0.contains("2 in 1 blocks, 12 weights, overall sparsity 41.67%") })
        #expect(lines.contains("    3  q_proj      2×2      4     0.00%  -"))
        #expect(lines.contains("    3  gate_proj   2×4      3    62.50%  -"))
    }

    @Test(arguments: [
        ("absent.h5", "no such file"),
        ("notes.txt", "not an HDF5 file"),
    ])
    func badInputIsOneLineAndNonZeroExit(name: String, problem: String) throws {
        let folder = try TemporaryDirectory()
        let directory = folder.path
        try "not a trace".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        let result = try CLI.run(["trace", "info", name], in: directory)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!message.contains("\n"), "one line, got: \(message)")
        #expect(message.hasPrefix("Error: \(name): "))
        #expect(message.contains(problem))
    }
}
