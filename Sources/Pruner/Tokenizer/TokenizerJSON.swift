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
        guard sentencePiece || (preTokenizer?["type"] as? String) == "ByteLevel" else {
            throw fail("pre-tokenizer \(preTokenizer?["type"] as? String ?? "none") is not supported (byte-level BPE, or SentencePiece-style BPE with byte fallback, are)")
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
        return try ByteLevelBPE(vocabulary: vocabulary, merges: merges, specialTokens: specials, unknownID: unknown, path: path)
    }

    /// A tokenizer.json that Hugging Face's `tokenizers` reads as the same byte-level BPE.
    public static func data(_ tokenizer: ByteLevelBPE) throws -> Data {
        let specials = Set(tokenizer.specialTokens.map(\.text))
        var vocab: [String: Int] = [:]
        for (id, token) in tokenizer.vocabulary.enumerated() where vocab[token] == nil { vocab[token] = id }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        let json: [String: Any] = [
            "version": "1.0",
            "added_tokens": tokenizer.vocabulary.enumerated().filter { specials.contains($0.element) }.map {
                ["id": $0.offset, "content": $0.element, "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true] as [String: Any]
            },
            "normalizer": NSNull(),
            "pre_tokenizer": byteLevel,
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
