import Foundation
import Testing
import TestSupport

/// The fuzzer's harnesses on their seeds, on the findings kept as regressions, and for a short
/// fixed-seed run each (SPARSIM_FUZZ_COUNT=N runs N inputs per harness instead: the long run).
@Suite struct FuzzTests {
    static let harnesses = ["hardware", "npy", "task", "gguf", "huggingface", "trace"]
    static let corpus = RealData.packageRoot + "/Tests/FuzzCorpus"

    /// `swift build` puts the fuzzer beside the test bundle.
    static let fuzzer: String = {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("sparsim-fuzz").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("sparsim-fuzz not found near \(Bundle.main.bundleURL.path)")
    }()

    static func fuzz(_ arguments: [String]) throws -> ProcessResult {
        try ExternalProcess.run(fuzzer, arguments + ["--corpus", corpus], in: RealData.packageRoot)
    }

    @Test(arguments: harnesses) func everySeedIsAccepted(_ harness: String) throws {
        let seeds = try FileManager.default.contentsOfDirectory(atPath: "\(Self.corpus)/\(harness)/seeds").sorted()
        #expect(!seeds.isEmpty)
        let result = try Self.fuzz(["replay", harness, "--expect-success"] + seeds.map { "\(Self.corpus)/\(harness)/seeds/\($0)" })
        #expect(result.status == 0, "\(result.output)")
    }

    /// Every input that once crashed a reader or got a bad message is now refused in one clean line.
    @Test(arguments: harnesses) func everyRegressionIsRefusedCleanly(_ harness: String) throws {
        let result = try Self.fuzz(["replay", harness])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(arguments: harnesses) func aShortRunFindsNothing(_ harness: String) throws {
        let count = ProcessInfo.processInfo.environment["SPARSIM_FUZZ_COUNT"] ?? "300"
        let result = try Self.fuzz(["run", harness, "--count", count, "--seed", "1"])
        #expect(result.status == 0, "\(result.output)")
    }

    /// Writes the seeds made by code (the tiny models, the trace) when SPARSIM_WRITE_FUZZ_SEEDS=1:
    /// run it again if a format changes, and commit what it writes.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SPARSIM_WRITE_FUZZ_SEEDS"] == "1"))
    func writeSeeds() throws {
        let model = "\(Self.corpus)/huggingface/seeds/tiny"
        try? FileManager.default.removeItem(atPath: model)
        try FileManager.default.createDirectory(atPath: "\(Self.corpus)/huggingface/seeds", withIntermediateDirectories: true)
        try TinyModels.writeHuggingFace(to: model, layers: 1, hidden: 8, intermediate: 12)
        try FileManager.default.createDirectory(atPath: "\(Self.corpus)/gguf/seeds/tiny", withIntermediateDirectories: true)
        try TinyModels.writeGGUF(to: "\(Self.corpus)/gguf/seeds/tiny/model.gguf", layers: 1, hidden: 8, intermediate: 12)
    }
}
