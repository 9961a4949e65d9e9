import Foundation
import Testing
import TestSupport
import Traces

/// `sparsim eval` and `sparsim export` as a user runs them: bad input is one line and a non-zero exit.
@Suite struct ModelCLITests {
    static let packageRoot = SimulateCLITests.packageRoot
    static let gguf: String? = RealData.path(of: "SmolLM2-135M-Instruct.Q4_1.gguf")

    static func expectOneLineError(_ arguments: [String], contains problem: String) throws {
        let result = try CLI.run(arguments)
        #expect(result.status != 0)
        let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message.hasPrefix("Error: ") && message.contains(problem), "stderr: \(message)")
        #expect(message.split(separator: "\n").count <= 3)
    }

    /// Checked before the model loads, so this needs no model.
    @Test func benchPruneRejectsAnUnknownMethod() throws {
        try Self.expectOneLineError(["bench", "prune", "--method", "wanda", "--method", "obs"],
                                    contains: "--method obs: not one of magnitude, wanda, sparsegpt, besa, besa+lstsq")
    }

    @Test func badModelFiles() throws {
        let folder = try TemporaryDirectory()
        try Data("GGUF\u{3}\0\0\0".utf8).write(to: URL(fileURLWithPath: folder.file("cut.gguf")))
        try Data("hello".utf8).write(to: URL(fileURLWithPath: folder.file("text.gguf")))
        try "some text".write(toFile: folder.file("t.txt"), atomically: true, encoding: .utf8)
        try Self.expectOneLineError(["eval", "--model", folder.file("none.gguf"), "--data", folder.file("t.txt"), "--seqlen", "8"],
                                    contains: "none.gguf: no such file")
        try Self.expectOneLineError(["eval", "--model", folder.file("cut.gguf"), "--data", folder.file("t.txt"), "--seqlen", "8"],
                                    contains: "cut.gguf: truncated")
        try Self.expectOneLineError(["eval", "--model", folder.file("text.gguf"), "--data", folder.file("t.txt"), "--seqlen", "8"],
                                    contains: "not a GGUF file")
        try Self.expectOneLineError(["eval", "--model", folder.path, "--data", folder.file("t.txt"), "--seqlen", "8"],
                                    contains: "config.json: no such file")
        try Self.expectOneLineError(["eval", "--model", folder.file("cut.gguf"), "--data", folder.file("t.txt"), "--seqlen", "1"],
                                    contains: "--seqlen must be at least 2")
    }

    @Test(.enabled(if: gguf != nil, "the shipped model is not available"))
    func badDataAndTraces() throws {
        let folder = try TemporaryDirectory()
        try "too short".write(toFile: folder.file("short.txt"), atomically: true, encoding: .utf8)
        try Self.expectOneLineError(["eval", "--model", Self.gguf!, "--data", folder.file("missing.txt"), "--seqlen", "64"],
                                    contains: "missing.txt: no such file")
        try Self.expectOneLineError(["eval", "--model", Self.gguf!, "--data", folder.file("short.txt"), "--seqlen", "64"],
                                    contains: "fewer than one window of 64")
        // A trace whose layer does not fit the model.
        try Trace(metadata: TraceMetadata(model: "x", method: "x", targetSparsity: 0.5),
                  layers: [TraceLayer(id: LayerID(block: 0, projection: .q), mask: KeepMask(rows: 3, cols: 3))])
            .write(to: folder.file("t.h5"))
        try Self.expectOneLineError(["eval", "--model", Self.gguf!, "--trace", folder.file("t.h5"), "--data", folder.file("short.txt"),
                                     "--seqlen", "2"], contains: "/layers/0/q_proj is 3×3; the model's q_proj is 576×576")
        // Export refuses to overwrite.
        try Self.expectOneLineError(["export", "--model", Self.gguf!, "--out", folder.path], contains: "already exists")
    }
}
