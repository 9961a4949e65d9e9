import Foundation
import SparsimSupport
import Traces

/// Zero-shot tasks made from a held-out text, deterministically from a seed, for machines that cannot
/// download PIQA or LAMBADA: a LAMBADA-style last-word cloze and a HellaSwag-style choice of the
/// sentence that comes next.
public enum TaskMaker {
    public enum Kind: String, CaseIterable, Sendable {
        /// {"text"}: a paragraph cut after a word that already occurred in it; the model must guess
        /// that last word (lambada format).
        case cloze
        /// {"context", "choices", "label"}: two consecutive sentences, then the sentence that followed
        /// them and three sentences of similar length from elsewhere in the text (choices format).
        case endings
    }

    /// JSON lines, one item each, in the order the items occur in the text.
    public static func make(_ kind: Kind, from text: String, count: Int, seed: UInt64) -> [String] {
        let paragraphs = paragraphs(of: text)
        var generator = SeededGenerator(seed: seed)
        switch kind {
        case .cloze:
            let candidates = paragraphs.indices.compactMap { index in clozeText(paragraphs[index]).map { (index: index, text: $0) } }
            return pick(count, of: candidates, &generator).sorted { $0.index < $1.index }.map { json(["text": $0.text]) }
        case .endings:
            let sentences = paragraphs.enumerated().map { (paragraph: $0.offset, sentences: Self.sentences(of: $0.element)) }
            let pool = sentences.flatMap { entry in entry.sentences.map { (paragraph: entry.paragraph, text: $0) } }
            var candidates: [(paragraph: Int, context: String, ending: String)] = []
            for entry in sentences where entry.sentences.count >= 3 {
                for i in 2..<entry.sentences.count where (30...300).contains(entry.sentences[i].count) {
                    candidates.append((entry.paragraph, entry.sentences[i - 2] + " " + entry.sentences[i - 1], entry.sentences[i]))
                }
            }
            return pick(count, of: candidates, &generator).sorted { ($0.paragraph, $0.context) < ($1.paragraph, $1.context) }.compactMap { item in
                // Wrong endings: sentences of other paragraphs within 15% of the right one's length (so that
                // the raw log-likelihood does not simply favor the shortest).
                let similar = pool.filter { $0.paragraph != item.paragraph && $0.text != item.ending
                    && abs($0.text.count - item.ending.count) * 20 <= item.ending.count * 3 }
                var choices = Array(Set(pick(3, of: similar, &generator).map(\.text))).sorted()
                guard choices.count == 3 else { return nil }
                let label = Int(generator.next() % UInt64(choices.count + 1))
                choices.insert(item.ending, at: label)
                return json(["context": item.context, "choices": choices, "label": label])
            }
        }
    }

    /// Paragraphs (blank-line separated), each on one line with single spaces.
    static func paragraphs(of text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").map {
            $0.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }.filter { !$0.isEmpty }
    }

    /// Sentences of a paragraph: cut after . ! or ? (and a closing quote) before a space and a
    /// capital or an opening quote, except after the abbreviations of the period's prose.
    static func sentences(of paragraph: String) -> [String] {
        let abbreviations: Set<String> = ["Mr", "Mrs", "Dr", "St", "Esq", "Capt", "Col", "Adm", "Lieut", "Gen"]
        let characters = Array(paragraph)
        var sentences: [String] = [], start = 0, i = 0
        while i < characters.count {
            if ".!?".contains(characters[i]) {
                var end = i + 1
                while end < characters.count, "\"'”’".contains(characters[end]) { end += 1 }
                let word = String(characters[start..<i]).split(separator: " ").last.map(String.init) ?? ""
                if end + 1 < characters.count, characters[end] == " ",
                   characters[end + 1].isUppercase || "\"“".contains(characters[end + 1]),
                   !(characters[i] == "." && abbreviations.contains(word)) {
                    sentences.append(String(characters[start..<end]))
                    start = end + 1
                    i = end
                }
            }
            i += 1
        }
        if start < characters.count { sentences.append(String(characters[start...])) }
        return sentences
    }

    /// The paragraph cut after its last word, when that word (letters only, four or more) already
    /// occurred earlier in it and the paragraph has 20 to 250 words: the context then holds the answer.
    static func clozeText(_ paragraph: String) -> String? {
        let words = paragraph.split(separator: " ")
        guard (20...250).contains(words.count), let last = words.last else { return nil }
        let target = last.trimmingCharacters(in: CharacterSet.letters.inverted)
        guard target.count >= 4, target.allSatisfy(\.isLetter), last.hasPrefix(target) || last.hasPrefix("\"" + target) else { return nil }
        let earlier = Set(words.dropLast().map { $0.trimmingCharacters(in: CharacterSet.letters.inverted).lowercased() })
        guard earlier.contains(target.lowercased()) else { return nil }
        return (words.dropLast().joined(separator: " ") + " " + (last.hasPrefix("\"") ? "\"" : "") + target)
    }

    /// `count` items drawn without replacement (a seeded partial Fisher–Yates shuffle).
    static func pick<T>(_ count: Int, of items: [T], _ generator: inout SeededGenerator) -> [T] {
        var items = items
        let n = min(count, items.count)
        for i in 0..<n { items.swapAt(i, i + Int(generator.next() % UInt64(items.count - i))) }
        return Array(items.prefix(n))
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
