/// What sparsim promises about a refused input: one printable line that says what is wrong.
enum Verdict {
    /// The longest message that still reads as one line in a terminal (values quoted from the
    /// file must be cut to fit).
    static let longestMessage = 400

    /// Why `message` breaks the promise, or nil when it keeps it.
    static func problem(with message: String) -> String? {
        if message.isEmpty { return "an empty message" }
        if message.contains(where: { $0 == "\n" || $0 == "\r" }) { return "a message of several lines" }
        if message.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a message with control characters"
        }
        if message.count > longestMessage { return "a message of \(message.count) characters" }
        return nil
    }
}
