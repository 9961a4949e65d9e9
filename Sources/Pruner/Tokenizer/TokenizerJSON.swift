import Foundation

/// Hugging Face `tokenizer.json`: reading (byte-level BPE and SentencePiece-style BPE models) and
/// writing (byte-level BPE).
public enum TokenizerJSON {
    public static func load(_ path: String) throws(ModelError) -> any Tokenizer {
        let json = try HuggingFaceModel.readJSON(path)
        func fail(_ message: String) -> ModelError { ModelError(path: path, message: message) }
        guard let model = json["model"] as? [String: Any], (model["type"] as? String) == "BPE",
              let vocab = model["vocab"] as? [String: Int] else {
            throw fail("only BPE tokenizers are supported (model.type BPE with a vocab)")
        }
        let preTokenizer = json["pre_tokenizer"] as? [String: Any]
        let sentencePiece = (model["byte_fallback"] as? Bool) == true || (preTokenizer?["type"] as? String) == "Metaspace"
        let byteLevel = preTokenizer.flatMap(ByteLevelBPE.PreTokenization.init(huggingFaceJSON:))
        guard sentencePiece || byteLevel != nil else {
            throw fail("pre-tokenizer \(preTokenizer?["type"] as? String ?? "none") is not supported (GPT-2's or Qwen2's byte-level "
                       + "splitting, or SentencePiece-style BPE with byte fallback, are)")
        }
        var vocabulary = [String](repeating: "", count: (vocab.values.max() ?? -1) + 1)
        for (token, id) in vocab where id >= 0 { vocabulary[id] = token }
        var specials: [String] = []
        for added in (json["added_tokens"] as? [[String: Any]]) ?? [] {
            guard let id = added["id"] as? Int, let content = added["content"] as? String, id >= 0 else { continue }
            if id >= vocabulary.count { vocabulary += [String](repeating: "", count: id + 1 - vocabulary.count) }
            vocabulary[id] = content
            if (added["special"] as? Bool) ?? false { specials.append(content) }
        }
        let rawMerges = (model["merges"] as? [Any]) ?? []
        let merges = rawMerges.compactMap { merge -> String? in
            if let text = merge as? String { return text }
            if let pair = merge as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
            return nil
        }
        let unknown = (model["unk_token"] as? String).flatMap { vocab[$0] }.map(Int32.init)
        if sentencePiece {
            return try SentencePieceBPE(vocabulary: vocabulary, priority: .mergeRanks(merges), unknownID: unknown, path: path)
        }
        return try ByteLevelBPE(vocabulary: vocabulary, merges: merges, specialTokens: specials, unknownID: unknown,
                                preTokenizer: byteLevel!, path: path)
    }

    /// A tokenizer.json that Hugging Face's `tokenizers` reads as the same byte-level BPE.
    public static func data(_ tokenizer: ByteLevelBPE) throws -> Data {
        let specials = Set(tokenizer.specialTokens.map(\.text))
        var vocab: [String: Int] = [:]
        for (id, token) in tokenizer.vocabulary.enumerated() where vocab[token] == nil { vocab[token] = id }
        let byteLevel = ByteLevelBPE.PreTokenization.byteLevelJSON(useRegex: true)
        let json: [String: Any] = [
            "version": "1.0",
            "added_tokens": tokenizer.vocabulary.enumerated().filter { specials.contains($0.element) }.map {
                ["id": $0.offset, "content": $0.element, "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true] as [String: Any]
            },
            "normalizer": NSNull(),
            "pre_tokenizer": tokenizer.preTokenizer.huggingFaceJSON,
            "post_processor": byteLevel.merging(["trim_offsets": false]) { $1 },
            "decoder": byteLevel,
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": vocab, "merges": tokenizer.mergeList,
            ] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
    }
}

extension ByteLevelBPE.PreTokenization {
    /// `pre_tokenizer` of a tokenizer.json: GPT-2's is ByteLevel with its built-in regex; Qwen2's
    /// splits by its own regex first, then maps bytes without a regex.
    var huggingFaceJSON: [String: Any] {
        switch self {
        case .gpt2: Self.byteLevelJSON(useRegex: true)
        case .qwen2:
            ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": Qwen2PreTokenizer.pattern], "behavior": "Isolated", "invert": false],
                Self.byteLevelJSON(useRegex: false),
            ]]
        }
    }

    static func byteLevelJSON(useRegex: Bool) -> [String: Any] {
        ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": useRegex]
    }

    /// The splitting a tokenizer.json's `pre_tokenizer` describes, if it is one of the two sparsim
    /// implements (a prefix space or any other regex is not).
    init?(huggingFaceJSON json: [String: Any]) {
        func isByteLevel(_ json: [String: Any], useRegex: Bool) -> Bool {
            json["type"] as? String == "ByteLevel" && (json["add_prefix_space"] as? Bool ?? false) == false
                && (json["use_regex"] as? Bool ?? true) == useRegex
        }
        if isByteLevel(json, useRegex: true) { self = .gpt2; return }
        guard json["type"] as? String == "Sequence", let steps = json["pretokenizers"] as? [[String: Any]], steps.count == 2,
              steps[0]["type"] as? String == "Split", (steps[0]["pattern"] as? [String: Any])?["Regex"] as? String == Qwen2PreTokenizer.pattern,
              steps[0]["behavior"] as? String == "Isolated", (steps[0]["invert"] as? Bool ?? false) == false,
              isByteLevel(steps[1], useRegex: false) else { return nil }
        self = .qwen2
    }
}
