import Foundation
import Testing
import TestSupport
@testable import Pruner

@Suite struct SentencePieceTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/train_sentencepiece_bpe.py").path
    static let hasTokenizers = (try? ExternalProcess.python(["-c", "import tokenizers, numpy"]).status) == 0

    @Test func mergesByRankWithByteFallback() throws {
        // Vocabulary: bytes, characters, and merges ▁a+b → ▁ab (rank 1), ▁+a → ▁a (rank 0).
        var vocabulary = (0..<256).map { String(format: "<0x%02X>", $0) }
        vocabulary += ["▁", "a", "b", "▁a", "▁ab", "<unk>"]
        let tokenizer = try SentencePieceBPE(vocabulary: vocabulary, priority: .mergeRanks(["▁ a", "▁a b"]),
                                             unknownID: 261, path: "test")
        // "ab ab é": ▁ab ▁ab ▁ then é as its two UTF-8 bytes 0xC3 0xA9.
        #expect(tokenizer.encode("ab ab é") == [260, 260, 256, 0xC3, 0xA9])
        #expect(tokenizer.decode(tokenizer.encode("ab ab é")) == "ab ab é")
    }

    @Test func scoresPreferTheBestMergeAndTiesGoLeft() throws {
        // "aaa": pairs (a,a) at 0 and 1 have the same score; the left one merges first → "aa" "a".
        let vocabulary = ["<unk>", "▁", "a", "aa", "▁a"]
        let tokenizer = try SentencePieceBPE(vocabulary: vocabulary, priority: .scores([0, 0, 0, -1, -5]),
                                             unknownID: 0, addPrefixSpace: false, path: "test")
        #expect(tokenizer.encode("aaa") == [3, 2])
        // With the prefix space, ▁a (score −5) loses to aa (−1): ▁ then aa, then a.
        let prefixed = try SentencePieceBPE(vocabulary: vocabulary, priority: .scores([0, 0, 0, -1, -5]),
                                            unknownID: 0, path: "test")
        #expect(prefixed.encode("aaa") == [1, 3, 2])
    }

    @Test(.enabled(if: hasTokenizers || ExternalProcess.mustRunEverything, "python3 with tokenizers is not installed"),
          .enabled(if: SharedModel.available, "the shipped text is not available"))
    func matchesHuggingFaceTokenizersOnAHeldOutNovel() throws {
        let folder = try TemporaryDirectory()
        let text = SharedModel.dataDirectory! + "/text/"
        // Train on one novel, encode the first 30 000 characters of another plus some characters
        // the training text never saw (byte fallback).
        let sample = String(try String(contentsOfFile: text + "austen_persuasion.txt", encoding: .utf8).prefix(30_000))
            + " naïve café — 東京 🎉"
        try sample.write(toFile: folder.file("eval.txt"), atomically: true, encoding: .utf8)
        let result = try ExternalProcess.python([Self.script, text + "austen_northangerabbey.txt", folder.file("eval.txt"), folder.path])
        try #require(result.status == 0, "\(result.stderr.suffix(2000))")
        let reference = try SharedModel.readArray(folder.file("ids"), as: Int32.self)
        let tokenizer = try TokenizerJSON.load(folder.file("tokenizer.json"))
        #expect(tokenizer is SentencePieceBPE)
        let ours = tokenizer.encode(sample)
        #expect(ours.count == reference.count)
        if let first = zip(ours, reference).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("first difference at token \(first.offset): ours \(first.element.0), reference \(first.element.1)")
        }
        #expect(tokenizer.decode(ours) == sample)
    }
}
