import Foundation
import Testing
@testable import Pruner

/// The offline tasks: deterministic in the seed, and built as their documentation says.
@Suite struct TaskMakerTests {
    static let text: String? = SharedModel.dataDirectory.flatMap { try? String(contentsOfFile: $0 + "/text/austen_persuasion.txt", encoding: .utf8) }

    @Test(.enabled(if: text != nil, "the Austen texts are missing (scripts/fetch-data.sh)"), arguments: TaskMaker.Kind.allCases)
    func theSameSeedMakesTheSameTask(kind: TaskMaker.Kind) throws {
        let text = try #require(Self.text)
        let a = TaskMaker.make(kind, from: text, count: 40, seed: 3)
        #expect(a == TaskMaker.make(kind, from: text, count: 40, seed: 3))
        #expect(a != TaskMaker.make(kind, from: text, count: 40, seed: 4))
        #expect(a.count == 40)
        let paragraphs = TaskMaker.paragraphs(of: text)
        for line in a {
            let item = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            switch kind {
            case .cloze:
                let words = (item["text"] as! String).split(separator: " ").map(String.init)
                let target = words.last!.trimmingCharacters(in: CharacterSet.letters.inverted)
                // The answer is in the context, and the text is the start of a real paragraph.
                #expect(words.dropLast().contains { $0.trimmingCharacters(in: CharacterSet.letters.inverted).lowercased() == target.lowercased() })
                #expect(paragraphs.contains { $0.hasPrefix(item["text"] as! String) })
            case .endings:
                let (context, choices, label) = (item["context"] as! String, item["choices"] as! [String], item["label"] as! Int)
                #expect(choices.count == 4 && Set(choices).count == 4)
                // The right ending follows the context in the text; no wrong one does.
                #expect(paragraphs.contains { $0.contains(context + " " + choices[label]) })
                for (index, choice) in choices.enumerated() where index != label {
                    #expect(!paragraphs.contains { $0.contains(context + " " + choice) })
                    #expect(abs(choice.count - choices[label].count) * 20 <= choices[label].count * 3)
                }
            }
        }
    }

    @Test func sentencesSplitAfterTheEndNotAfterMister() {
        let sentences = TaskMaker.sentences(of: #"Mr. Elliot came. "Did he?" said Anne. She smiled! It was St. Ives."#)
        #expect(sentences == ["Mr. Elliot came.", #""Did he?" said Anne."#, "She smiled!", "It was St. Ives."])
    }
}

extension TaskMaker.Kind: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}
