/// Why a file (a trace, a model, a tokenizer, a text) could not be used. Its description is one
/// printable line that starts with the file's path, as the CLI prints it (whatever the message
/// quotes from the file).
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { OneLine.sanitize("\(path): \(message)") }
}
