import Foundation
import Pruner
import Testing
import TestSupport

/// sparsim's prompts for every task format against the requests lm-eval itself builds from the same
/// JSON lines (its own task definitions, no model), on items with the awkward cases: HellaSwag's
/// WikiHow brackets and capitalization, BoolQ given as `answer` or `label`, ARC's letter and digit
/// labels, WinoGrande's partial scoring, LAMBADA's space-split words.
@Suite struct TaskPromptTests {
    static let enabled = ExternalProcess.mustRunEverything || (try? ExternalProcess.python(["-c", "import lm_eval"]).status) == 0

    static let files: [TaskFormat: [String]] = [
        .piqa: [#"{"goal": "How do I boil an egg?", "sol1": "Put it in boiling water.", "sol2": "Freeze it.", "label": 0}"#,
                #"{"goal": "  Spaces around  ", "sol1": "a", "sol2": " b ", "label": 1}"#],
        .boolq: [#"{"passage": "Persuasion is a novel.", "question": "is persuasion a novel", "answer": true}"#,
                 #"{"passage": "Line one.\nLine two.", "question": "is it two lines", "label": 0}"#],
        .hellaswag: [#"{"ctx_a": "A man is sitting on a roof.", "ctx_b": "he", "activity_label": "Roof shingle removal", "endings": ["is using wrap to wrap a pair of skis.", "is ripping level tiles off. [title] Done", "[header] starts  to [step] dance", "LOOKS up"], "label": "1"}"#,
                     #"{"ctx_a": "[title] How to tie a tie. [step] Drape it.", "ctx_b": "CROSS the wide end", "activity_label": "Personal Care", "endings": ["over.", "under."], "label": 0}"#],
        .winogrande: [#"{"sentence": "The trophy does not fit in the suitcase because the _ is too big.", "option1": "trophy", "option2": "suitcase", "answer": "1"}"#,
                      #"{"sentence": "_ was happy.", "option1": "Anne", "option2": "Elizabeth", "answer": "2"}"#],
        .arc: [#"{"question": "Which is a planet?", "choices": {"text": ["Mars", "the Sun", "the Moon"], "label": ["A", "B", "C"]}, "answerKey": "A"}"#,
               #"{"question": "2 + 2 =", "choices": {"text": ["3", "4", "5", "6"], "label": ["1", "2", "3", "4"]}, "answerKey": "2"}"#],
        .lambada: [#"{"text": "She said hello to her mother and her mother said hello"}"#,
                   #"{"text": "Two  spaces here and the end"}"#],
        .choices: [#"{"context": "Anne walked on.", "choices": ["She stopped.", "Captain Wentworth smiled."], "label": 1}"#],
    ]

    @Test(.enabled(if: enabled, "python3 with lm-eval is not installed"), arguments: TaskFormat.allCases)
    func promptsAreLMEvalsOwn(format: TaskFormat) throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("\(format.rawValue).jsonl")
        try (Self.files[format]!.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let (items, detected) = try ZeroShot.read(path, format: nil)
        #expect(detected == format, "the format is detected from the fields")
        let run = try ExternalProcess.pythonWithTimeout([ZeroShotCrossCheckTests.script, "requests", format.rawValue, path, folder.file("requests.json")],
                                                        seconds: 300)
        try #require(run.status == 0, "\(run.stderr.suffix(2000))")
        let theirs = try JSONDecoder().decode([[[String]]].self, from: Data(contentsOf: URL(fileURLWithPath: folder.file("requests.json"))))
        let ours = items.map { $0.requests.map { [$0.context, $0.continuation] } }
        #expect(ours == theirs)
    }

    @Test func badTaskFilesSayWhatAndWhere() throws {
        let folder = try TemporaryDirectory()
        for (content, format, problem) in [
            (#"{"goal": "g", "sol1": "a", "label": 0}"#, TaskFormat.piqa, "line 1: missing field 'sol2' (format piqa)"),
            ("\n" + #"{"goal": "g", "sol1": "a", "sol2": "b", "label": 2}"#, .piqa, "line 2: label 2 is not a choice index"),
            (#"{"sentence": "no blank", "option1": "a", "option2": "b", "answer": "1"}"#, .winogrande, "line 1: sentence has no '_' blank"),
            ("not json", nil, "line 1: not a JSON object"),
            (#"{"unknown": 1}"#, nil, "no known schema in fields [\"unknown\"]; give --task-format"),
            ("", nil, "no items"),
        ] as [(String, TaskFormat?, String)] {
            let path = folder.file("bad.jsonl")
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: (any Error).self) { try ZeroShot.read(path, format: format) }
            do { _ = try ZeroShot.read(path, format: format) } catch { #expect("\(error)".contains(problem), "\(error)") }
        }
    }

    /// lm-eval's `_encode_pair`: a context's trailing spaces move to the continuation before encoding.
    @Test(.enabled(if: ModelCLITests.gguf != nil || ExternalProcess.mustRunEverything, "the shipped model is not in data/"))
    func trailingSpacesMoveToTheContinuation() throws {
        let gguf = try #require(ModelCLITests.gguf, "the shipped model is missing")
        let tokenizer = try ModelLoader.load(gguf).tokenizer
        let pair = ZeroShot.encode(TaskItem.Request(context: "Anne said ", continuation: "hello"), tokenizer: tokenizer)
        #expect(pair.context == tokenizer.encode("Anne said"))
        #expect(pair.context + pair.continuation == tokenizer.encode("Anne said hello"))
    }
}

extension TaskFormat: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}
