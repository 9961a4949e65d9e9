import Foundation
import Testing
import TestSupport
@testable import Pruner

/// Task items that cannot be scored are refused before any is: they once trapped inside the model.
@Suite struct ZeroShotInputTests {
    static func read(_ lines: [String]) throws -> (items: [TaskItem], format: TaskFormat) {
        let folder = try TemporaryDirectory()
        try lines.joined(separator: "\n").write(toFile: folder.file("task.jsonl"), atomically: true, encoding: .utf8)
        return try ZeroShot.read(folder.file("task.jsonl"), format: nil)
    }

    static func readError(_ lines: [String]) throws -> String {
        do {
            _ = try read(lines)
            return ""
        } catch {
            return String(describing: error)
        }
    }

    @Test func emptyContextsAreRefusedWithTheirLine() throws {
        let choices = try Self.readError([#"{"context": "fine", "choices": ["a", "b"], "label": 0}"#,
                                          #"{"context": "  ", "choices": ["a", "b"], "label": 0}"#])
        #expect(choices.hasSuffix("task.jsonl: line 2: a choice has an empty context (format choices)"), "\(choices)")
        let cloze = try Self.readError([#"{"text": " word"}"#])  // nothing before the last word
        #expect(cloze.contains("line 1: a choice has an empty context (format lambada)"), "\(cloze)")
    }

    @Test func continuationsTheModelCannotScoreAreRefusedBeforeScoring() throws {
        let (loaded, _) = try TinyModels.byteLevel(layers: 1, hidden: 8, intermediate: 12)
        let long = String(repeating: "x", count: 200)
        let (items, _) = try Self.read([#"{"context": "the sky", "choices": ["is", "\#(long)"], "label": 0}"#])
        #expect(items[0].line == 1)
        #expect(throws: TaskError(line: 1, message: "choice 2 has a continuation of 201 tokens, longer than the model's context of 128")) {
            try ZeroShot.encode(items, tokenizer: loaded.tokenizer, contextLength: 128)
        }
        let encoded = try ZeroShot.encode(items, tokenizer: loaded.tokenizer, contextLength: 1024)
        #expect(encoded[0].map(\.continuation.count) == [3, 201])  // " is" and " xx…x", one byte a token
    }
}
