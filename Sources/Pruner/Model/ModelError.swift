/// Why a model, tokenizer or text file could not be used. Its description is one line that starts
/// with the file's path, as the CLI prints it.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
