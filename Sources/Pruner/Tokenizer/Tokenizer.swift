/// Text to token ids and back.
public protocol Tokenizer: Sendable {
    var vocabulary: [String] { get }
    func encode(_ text: String) -> [Int32]
    func decode(_ ids: [Int32]) -> String
}

extension Tokenizer {
    public var vocabularySize: Int { vocabulary.count }
}
