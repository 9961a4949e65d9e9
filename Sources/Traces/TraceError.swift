/// Why a trace could not be read or written. Its description is one line that
/// starts with the file's path, as the CLI prints it.
public struct TraceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
