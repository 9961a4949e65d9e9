import Foundation
import SparsimSupport
import Traces

/// SentencePiece-style BPE, as LLaMA-1/2 tokenizers use it: spaces become "▁", one "▁" is put in
/// front of the text, the whole text is one word of Unicode characters, and pairs merge by
/// priority until none is left; characters (or merged pieces) missing from the vocabulary fall back
/// to their UTF-8 bytes as `<0xXX>` tokens.
///
/// Two priority rules exist in the wild: Hugging Face's tokenizer.json lists merges in rank order
/// (lowest rank first); llama.cpp's GGUF files give each token a score and merge the pair whose
/// result scores highest. Ties go to the leftmost pair in both. The merge loop is a heap over
/// adjacent pairs, so a whole book is one word without quadratic cost.
public final class SentencePieceBPE: Tokenizer, @unchecked Sendable {
    public enum Priority: Sendable {
        /// "left right" merges in rank order.
        case mergeRanks([String])
        /// One score per vocabulary entry.
        case scores([Float])
    }

    public let vocabulary: [String]
    private let ids: [String: Int32]
    /// (left, right) → (priority, merged): lower priority merges first.
    private let pairs: [UInt64: (priority: Double, merged: Int32)]
    private let byteTokens: [Int32]?
    private let unknownID: Int32?
    private let addPrefixSpace: Bool

    public init(vocabulary: [String], priority: Priority, unknownID: Int32?, addPrefixSpace: Bool = true,
                path: String) throws(ModelError) {
        self.vocabulary = vocabulary
        var ids: [String: Int32] = [:]
        for (index, token) in vocabulary.enumerated() where ids[token] == nil { ids[token] = Int32(index) }
        self.ids = ids
        self.unknownID = unknownID
        self.addPrefixSpace = addPrefixSpace
        var pairs: [UInt64: (Double, Int32)] = [:]
        switch priority {
        case .mergeRanks(let merges):
            guard !merges.isEmpty else { throw ModelError(path: path, message: "tokenizer has no merges (a BPE needs them)") }
            for (rank, merge) in merges.enumerated() {
                let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, let left = ids[String(parts[0])], let right = ids[String(parts[1])],
                      let merged = ids[String(parts[0]) + String(parts[1])] else {
                    throw ModelError(path: path, message: "merge \(rank) '\(merge)' does not name vocabulary tokens")
                }
                let key = Self.key(left, right)
                if pairs[key] == nil { pairs[key] = (Double(rank), merged) }
            }
        case .scores(let scores):
            guard scores.count == vocabulary.count else {
                throw ModelError(path: path, message: "\(scores.count) scores for \(vocabulary.count) tokens")
            }
            // Every vocabulary entry that splits into two vocabulary entries is a candidate merge.
            for (index, token) in vocabulary.enumerated() where token.count > 1 {
                for split in token.indices.dropFirst() {
                    guard let left = ids[String(token[..<split])], let right = ids[String(token[split...])] else { continue }
                    let key = Self.key(left, right)
                    let priority = -Double(scores[index])
                    if pairs[key] == nil || pairs[key]!.0 > priority { pairs[key] = (priority, Int32(index)) }
                }
            }
        }
        self.pairs = pairs
        let bytes = (0..<256).map { ids[String(format: "<0x%02X>", $0)] }
        byteTokens = bytes.allSatisfy { $0 != nil } ? bytes.map { $0! } : nil
    }

    static func key(_ left: Int32, _ right: Int32) -> UInt64 { UInt64(UInt32(left)) << 32 | UInt64(UInt32(right)) }

    public func encode(_ text: String) -> [Int32] {
        guard !text.isEmpty else { return [] }
        let normalized = (addPrefixSpace ? "▁" : "") + text.replacingOccurrences(of: " ", with: "▁")
        // Symbols: characters in the vocabulary keep their id; others are -1 with their text kept.
        var symbols: [(id: Int32, text: String)] = normalized.map { character in
            let piece = String(character)
            return (ids[piece] ?? -1, piece)
        }
        var previous = Array(-1..<(symbols.count - 1)), next = Array(1...symbols.count)
        next[symbols.count - 1] = -1
        var alive = [Bool](repeating: true, count: symbols.count)

        struct Candidate: Comparable {
            let priority: Double, position: Int, left: Int32, right: Int32, merged: Int32
            static func < (a: Candidate, b: Candidate) -> Bool { (a.priority, a.position) < (b.priority, b.position) }
        }
        var heap = BinaryHeap<Candidate>()
        func consider(_ position: Int) {
            let after = next[position]
            guard position >= 0, after >= 0 else { return }
            let (left, right) = (symbols[position].id, symbols[after].id)
            guard left >= 0, right >= 0, let pair = pairs[Self.key(left, right)] else { return }
            heap.push(Candidate(priority: pair.priority, position: position, left: left, right: right, merged: pair.merged))
        }
        for position in symbols.indices { consider(position) }
        while let candidate = heap.pop() {
            let position = candidate.position, after = next[position]
            // Stale entries: one side was merged away or changed since this pair was queued.
            guard alive[position], after >= 0, symbols[position].id == candidate.left, symbols[after].id == candidate.right else { continue }
            symbols[position] = (candidate.merged, symbols[position].text + symbols[after].text)
            alive[after] = false
            next[position] = next[after]
            if next[after] >= 0 { previous[next[after]] = position }
            if previous[position] >= 0 { consider(previous[position]) }
            consider(position)
        }

        var result: [Int32] = []
        var position = 0
        while position >= 0 && position < symbols.count {
            let symbol = symbols[position]
            if symbol.id >= 0 {
                result.append(symbol.id)
            } else if let byteTokens {
                result.append(contentsOf: symbol.text.utf8.map { byteTokens[Int($0)] })
            } else if let unknownID {
                result.append(unknownID)
            }
            position = next[position]
        }
        return result
    }

    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < vocabulary.count {
            let token = vocabulary[Int(id)]
            if token.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">"), let byte = UInt8(token.dropFirst(3).prefix(2), radix: 16) {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: Array(token.replacingOccurrences(of: "▁", with: " ").utf8))
            }
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if addPrefixSpace, text.hasPrefix(" ") { text.removeFirst() }
        return text
    }
}
