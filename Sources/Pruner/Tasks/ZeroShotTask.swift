import Foundation

/// One item of a zero-shot task as lm-evaluation-harness poses it to a language model: one
/// (context, continuation) request per choice, scored by the log-likelihood of the continuation.
public struct TaskItem: Sendable, Equatable {
    public struct Request: Sendable, Equatable {
        public var context: String
        public var continuation: String

        public init(context: String, continuation: String) {
            self.context = context
            self.continuation = continuation
        }
    }

    public var requests: [Request]
    /// The index of the right request (multiple choice); 0 for a cloze's single request.
    public var gold: Int
    /// What acc_norm divides each log-likelihood by: lm-eval's `len(choice)` in characters.
    public var choiceLengths: [Int]
    /// The item's line in its file (for errors; 0 when it was not read from one).
    public var line = 0
}

/// The data sets' usual JSONL schemas and lm-eval's prompts for them (its task YAMLs, v0.4.13):
/// the same text, target delimiter " " and preprocessing, so that scores can be compared item by item.
public enum TaskFormat: String, CaseIterable, Sendable {
    /// goal, sol1, sol2, label: "Question: {goal}\nAnswer:" → " {sol}".
    case piqa
    /// passage, question, answer (true/false) or label (1 = yes): "{passage}\nQuestion: {question}?\nAnswer:" → " no" / " yes".
    case boolq
    /// ctx_a, ctx_b (or ctx), activity_label, endings, label: lm-eval's preprocessing of the
    /// WikiHow artifacts, "{activity_label}: {ctx_a} {Ctx_b}" → " {ending}".
    case hellaswag
    /// sentence (with "_"), option1, option2, answer ("1"/"2"): partial scoring, the context is the
    /// sentence up to the blank with the option filled in, the continuation the rest of it.
    case winogrande
    /// question, choices {text, label}, answerKey: "Question: {question}\nAnswer:" → " {text}".
    case arc
    /// text: the context is everything before the last space-separated word, the continuation
    /// " {last word}"; scored by greedy match and perplexity.
    case lambada
    /// context, choices, label: the generic multiple-choice schema ("{context}" → " {choice}").
    case choices

    /// The metrics lm-eval reports for the task.
    public var metrics: [String] {
        switch self {
        case .piqa, .hellaswag, .arc, .choices: ["acc", "acc_norm"]
        case .boolq, .winogrande: ["acc"]
        case .lambada: ["acc", "perplexity"]
        }
    }

    public var isCloze: Bool { self == .lambada }

    /// The format a JSON object's fields point to (each schema has a field no other has).
    public static func detect(_ object: [String: Any]) -> TaskFormat? {
        let markers: [(String, TaskFormat)] = [("goal", .piqa), ("passage", .boolq), ("endings", .hellaswag),
                                               ("option1", .winogrande), ("answerKey", .arc), ("context", .choices), ("text", .lambada)]
        return markers.first { object[$0.0] != nil }?.1
    }

    static let delimiter = " "

    /// The item a JSON object of this format describes; `line` locates errors.
    public func item(_ object: [String: Any], line: Int) throws(TaskError) -> TaskItem {
        let field = Fields(object: object, line: line)
        switch self {
        case .piqa:
            let goal = try field.string("goal")
            return try multipleChoice(context: "Question: \(goal)\nAnswer:", choices: [field.string("sol1"), field.string("sol2")],
                                      gold: field.int("label"), line: line)
        case .boolq:
            let gold: Int
            if let answer = object["answer"] as? Bool { gold = answer ? 1 : 0 } else { gold = try field.int("label") }
            return try multipleChoice(context: "\(try field.string("passage"))\nQuestion: \(try field.string("question"))?\nAnswer:",
                                      choices: ["no", "yes"], gold: gold, line: line)
        case .hellaswag:
            let (a, b) = object["ctx_a"] != nil ? (try field.string("ctx_a"), try field.string("ctx_b")) : (try field.string("ctx"), "")
            let context = Self.hellaswagPreprocess("\(try field.string("activity_label")): \(a) \(Self.pythonCapitalize(b))")
            let endings = try field.strings("endings").map(Self.hellaswagPreprocess)
            return try multipleChoice(context: context, choices: endings, gold: field.int("label"), line: line)
        case .winogrande:
            let sentence = try field.string("sentence")
            guard let blank = sentence.firstIndex(of: "_") else { throw TaskError(line: line, message: "sentence has no '_' blank") }
            let options = [try field.string("option1"), try field.string("option2")]
            let answer = try field.string("answer")
            guard let gold = ["1": 0, "2": 1][answer] else { throw TaskError(line: line, message: "answer '\(answer)' is neither \"1\" nor \"2\"") }
            let prefix = String(sentence[..<blank])
            let target = String(sentence[sentence.index(after: blank)...]).trimmingCharacters(in: .whitespacesAndNewlines)
            let contexts = options.map { prefix + $0 }
            return TaskItem(requests: contexts.map { .init(context: $0, continuation: Self.delimiter + target) }, gold: gold,
                            choiceLengths: contexts.map(\.count))
        case .arc:
            guard let choices = object["choices"] as? [String: Any], let texts = choices["text"] as? [String],
                  let labels = choices["label"] as? [String] else {
                throw TaskError(line: line, message: "'choices' must hold lists 'text' and 'label'")
            }
            let key = try field.string("answerKey")
            guard let gold = labels.firstIndex(of: key) else { throw TaskError(line: line, message: "answerKey '\(key)' is not among \(labels)") }
            return try multipleChoice(context: "Question: \(try field.string("question"))\nAnswer:", choices: texts, gold: gold, line: line)
        case .lambada:
            let words = try field.string("text").components(separatedBy: " ")
            guard words.count >= 2 else { throw TaskError(line: line, message: "text needs at least two space-separated words") }
            let last = Self.delimiter + words.last!
            return TaskItem(requests: [.init(context: words.dropLast().joined(separator: " "), continuation: last)], gold: 0,
                            choiceLengths: [last.count])
        case .choices:
            return try multipleChoice(context: field.string("context"), choices: field.strings("choices"), gold: field.int("label"), line: line)
        }
    }

    private func multipleChoice(context: String, choices: [String], gold: Int, line: Int) throws(TaskError) -> TaskItem {
        guard choices.count >= 2 else { throw TaskError(line: line, message: "needs at least two choices, found \(choices.count)") }
        guard choices.indices.contains(gold) else { throw TaskError(line: line, message: "label \(gold) is not a choice index (0..<\(choices.count))") }
        return TaskItem(requests: choices.map { .init(context: context, continuation: Self.delimiter + $0) }, gold: gold,
                        choiceLengths: choices.map(\.count))
    }

    /// lm-eval's hellaswag `preprocess`: strip, " [title]" → ". ", drop "[...]" (shortest), "  " → " ".
    static func hellaswagPreprocess(_ text: String) -> String {
        var result = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: " [title]", with: ". ")
        result = result.replacingOccurrences(of: "\\[.*?\\]", with: "", options: .regularExpression)
        return result.replacingOccurrences(of: "  ", with: " ")
    }

    /// Python's str.capitalize(): the first character upper-cased, the rest lower-cased.
    static func pythonCapitalize(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst().lowercased()
    }
}

/// A task file's item that does not fit its format.
public struct TaskError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

/// Typed access to one JSON object's fields, with the errors a user can act on.
private struct Fields {
    let object: [String: Any]
    let line: Int

    func string(_ key: String) throws(TaskError) -> String {
        guard let value = object[key] else { throw TaskError(line: line, message: "missing field '\(key)'") }
        guard let text = value as? String else { throw TaskError(line: line, message: "field '\(key)' is not a string") }
        return text
    }

    func strings(_ key: String) throws(TaskError) -> [String] {
        guard let value = object[key] else { throw TaskError(line: line, message: "missing field '\(key)'") }
        guard let list = value as? [String] else { throw TaskError(line: line, message: "field '\(key)' is not a list of strings") }
        return list
    }

    /// An integer, also given as a string of digits (HellaSwag's labels are "0".."3").
    func int(_ key: String) throws(TaskError) -> Int {
        guard let value = object[key] else { throw TaskError(line: line, message: "missing field '\(key)'") }
        if let text = value as? String, let number = Int(text) { return number }
        if let number = value as? NSNumber, number.doubleValue == Double(number.intValue) { return number.intValue }
        throw TaskError(line: line, message: "field '\(key)' is not an integer")
    }
}
