import Foundation
import Pruner
import Testing
import TestSupport
import Traces

/// `sparsim prune` holds one block of the model at a time (README, "Memory"), measured on a model
/// whose 24 blocks are nearly all of its 94 MB: the run's peak stays within the bound it prints,
/// and a run that must keep every pruned block (--save-model) peaks higher by about the blocks.
@Suite struct PruneMemoryTests {
    static let layers = 24, hidden = 256, intermediate = 1024

    @Test func wandaHoldsOneBlockAtATime() throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("model"), layers: Self.layers, hidden: Self.hidden, intermediate: Self.intermediate)
        try PruneCLITests.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        let common = ["prune", "--model", folder.file("model"), "--method", "wanda", "--calib", folder.file("text.txt"),
                      "--samples", "4", "--seqlen", "32"]
        let streamed = try CLI.run(common + ["--out", folder.file("streamed.h5")])
        try #require(streamed.status == 0, "\(streamed.stderr)")
        let kept = try CLI.run(common + ["--out", folder.file("kept.h5"), "--save-model", folder.file("pruned")])
        try #require(kept.status == 0, "\(kept.stderr)")
        let metrics = try Trace.read(from: folder.file("streamed.h5")).metrics
        let peak = try #require(metrics["peak_memory_mib"]), bound = try #require(metrics["peak_memory_bound_mib"])
        let keptPeak = try #require(try Trace.read(from: folder.file("kept.h5")).metrics["peak_memory_mib"])
        #expect(streamed.stdout.contains(String(format: "peak memory %.0f MiB; expected at most %.0f MiB", peak, bound)), "\(streamed.stdout)")

        let config = try ModelLoader.open(folder.file("model")).0.model.config
        let blockMiB = Double(Projection.allCases.reduce(0) { $0 + config.shape(of: $1).rows * config.shape(of: $1).cols } * 4) / 1024 / 1024
        #expect(peak <= bound, "peak \(peak) MiB over the bound \(bound) MiB")
        // The bound means something: holding the whole model would break it.
        #expect(keptPeak > bound, "kept \(keptPeak) MiB, bound \(bound) MiB")
        // Both runs hold the same besides the blocks; the second keeps 24 pruned ones (~3.75 MiB each).
        #expect(keptPeak - peak >= 0.8 * Double(Self.layers - 1) * blockMiB, "kept \(keptPeak) MiB, streamed \(peak) MiB, block \(blockMiB) MiB")
    }
}
