import Foundation

/// Byte-level BPE (GPT-2, SmolLM2, LLaMA-3 style): text is pre-tokenized, each piece's UTF-8 bytes
/// are mapped to printable characters (GPT-2's byte-to-unicode table), then pairs are merged by
/// rank, lowest first, until no ranked pair is left. Thread-safe (the piece cache is locked).
public final class ByteLevelBPE: Tokenizer, @unchecked Sendable {
    public let vocabulary: [String]
    private let ids: [String: Int32]
    /// (left id, right id) → (rank, merged id).
    private let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// Vocabulary id of each byte's character; -1 where the vocabulary lacks it (SmolLM2 has no
    /// token for 21 bytes that never occur in UTF-8 text, such as 0xC0): such bytes become
    /// `unknownID`, or are dropped when there is none, as Hugging Face's BPE does.
    private let byteIDs: [Int32]
    private let unknownID: Int32?
    /// Special tokens matched literally before pre-tokenization, longest first.
    private let specials: [(text: String, id: Int32)]
    /// The merges in rank order, as given ("left right").
    public let mergeList: [String]
    public var specialTokens: [(text: String, id: Int32)] { specials }
    private var cache: [String: [Int32]] = [:]
    private let cacheLock = NSLock()
    public let preTokenizer: PreTokenization

    /// How text is cut into pieces before the merges.
    public enum PreTokenization: String, Sendable {
        /// GPT-2's pattern (also SmolLM2's).
        case gpt2
        /// Qwen2's pattern (`tokenizer.ggml.pre = qwen2`).
        case qwen2

        func split(_ text: String) -> [Substring] {
            switch self {
            case .gpt2: GPT2PreTokenizer.split(text)
            case .qwen2: Qwen2PreTokenizer.split(text)
            }
        }
    }

    /// `merges` are "left right" pairs of vocabulary strings, in rank order.
    public init(vocabulary: [String], merges: [String], specialTokens: [String] = [], unknownID: Int32? = nil,
                preTokenizer: PreTokenization = .gpt2, path: String) throws(ModelError) {
        self.unknownID = unknownID
        self.preTokenizer = preTokenizer
        self.vocabulary = vocabulary
        mergeList = merges
        var ids: [String: Int32] = [:]
        for (index, token) in vocabulary.enumerated() where ids[token] == nil { ids[token] = Int32(index) }
        self.ids = ids
        guard !merges.isEmpty else { throw ModelError(path: path, message: "tokenizer has no merges (a byte-level BPE needs them)") }
        var table: [UInt64: (rank: Int32, merged: Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let left = ids[String(parts[0])], let right = ids[String(parts[1])],
                  let merged = ids[String(parts[0]) + String(parts[1])] else {
                throw ModelError(path: path, message: "merge \(rank) '\(merge)' does not name vocabulary tokens")
            }
            let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
            if table[key] == nil { table[key] = (Int32(rank), merged) }
        }
        self.merges = table
        byteIDs = (0..<256).map { ids[String(Self.byteToCharacter[$0])] ?? -1 }
        guard byteIDs.filter({ $0 >= 0 }).count >= 128 else {
            throw ModelError(path: path, message: "vocabulary lacks most byte tokens: not a byte-level BPE vocabulary")
        }
        specials = specialTokens.compactMap { token in ids[token].map { (token, $0) } }.sorted { $0.text.count > $1.text.count }
    }

    /// GPT-2's table: printable bytes stand for themselves, the others are shifted past U+00FF.
    public static let byteToCharacter: [Character] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var table = [Character](repeating: " ", count: 256)
        var next = 256
        for byte in 0..<256 {
            if printable.contains(byte) {
                table[byte] = Character(Unicode.Scalar(UInt32(byte))!)
            } else {
                table[byte] = Character(Unicode.Scalar(UInt32(next))!)
                next += 1
            }
        }
        printable.removeAll()
        return table
    }()

    static let characterToByte: [Character: UInt8] = Dictionary(
        uniqueKeysWithValues: byteToCharacter.enumerated().map { ($1, UInt8($0)) })

    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for (segment, special) in splitSpecials(text) {
            if let special {
                ids.append(special)
                continue
            }
            for piece in preTokenizer.split(String(segment)) { ids.append(contentsOf: encodePiece(piece)) }
        }
        return ids
    }

    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < vocabulary.count {
            for character in vocabulary[Int(id)] {
                if let byte = Self.characterToByte[character] { bytes.append(byte) } else { bytes.append(contentsOf: Array(String(character).utf8)) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func encodePiece(_ piece: Substring) -> [Int32] {
        let key = String(piece)
        if let cached = cacheLock.withLock({ cache[key] }) { return cached }
        var word = piece.utf8.compactMap { byte -> Int32? in
            let id = byteIDs[Int(byte)]
            return id >= 0 ? id : unknownID
        }
        while word.count > 1 {
            var best: (rank: Int32, merged: Int32)? = nil
            var bestPair: UInt64 = 0
            for index in 0..<word.count - 1 {
                let key = UInt64(UInt32(word[index])) << 32 | UInt64(UInt32(word[index + 1]))
                if let merge = merges[key], best == nil || merge.rank < best!.rank {
                    best = merge
                    bestPair = key
                }
            }
            guard let merge = best else { break }
            var merged: [Int32] = []
            merged.reserveCapacity(word.count)
            var index = 0
            while index < word.count {
                if index + 1 < word.count,
                   UInt64(UInt32(word[index])) << 32 | UInt64(UInt32(word[index + 1])) == bestPair {
                    merged.append(merge.merged)
                    index += 2
                } else {
                    merged.append(word[index])
                    index += 1
                }
            }
            word = merged
        }
        cacheLock.withLock { cache[key] = word }
        return word
    }

    /// The text cut around special tokens: (plain text, nil) and ("", special id) segments.
    private func splitSpecials(_ text: String) -> [(Substring, Int32?)] {
        guard !specials.isEmpty else { return [(Substring(text), nil)] }
        var segments: [(Substring, Int32?)] = []
        var rest = Substring(text)
        var plainStart = rest.startIndex
        var index = rest.startIndex
        while index < rest.endIndex {
            if rest[index] == "<" || rest[index] == "[", let special = specials.first(where: { rest[index...].hasPrefix($0.text) }) {
                if plainStart < index { segments.append((rest[plainStart..<index], nil)) }
                segments.append(("", special.id))
                index = rest.index(index, offsetBy: special.text.count)
                plainStart = index
            } else {
                index = rest.index(after: index)
            }
        }
        if plainStart < rest.endIndex { segments.append((rest[plainStart...], nil)) }
        rest = ""
        return segments
    }
}
