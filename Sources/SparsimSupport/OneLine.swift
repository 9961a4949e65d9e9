/// Error messages are one printable line: text quoted from a file (a header string, a key, a
/// token) may hold newlines, escape sequences or megabytes, and must not reach the terminal as is.
public enum OneLine {
    /// `text` with control characters escaped (`\n`, `\u{1B}`) and cut to `limit` characters.
    public static func sanitize(_ text: String, limit: Int = 400) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.properties.generalCategory == .control:
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
            if result.count > limit { return String(result.prefix(limit - 1)) + "…" }
        }
        return result
    }

    /// A value from a file, quoted for a message: 'value', sanitized and cut short.
    public static func quote(_ value: String, limit: Int = 60) -> String {
        "'" + sanitize(value, limit: limit) + "'"
    }
}
