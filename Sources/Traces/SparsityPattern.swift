/// How zeros are placed: anywhere, or N zeros in every aligned group of M
/// consecutive weights of a row (the 2:4 of sparse tensor cores).
public enum SparsityPattern: Hashable, Sendable, CustomStringConvertible {
    case unstructured
    case nOfM(n: Int, m: Int)

    /// Parses `unstructured` or `N:M` (0 < N < M).
    public init?(_ text: String) {
        if text == "unstructured" {
            self = .unstructured
            return
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]), n > 0, m > n else { return nil }
        self = .nOfM(n: n, m: m)
    }

    public var description: String {
        switch self {
        case .unstructured: "unstructured"
        case .nOfM(let n, let m): "\(n):\(m)"
        }
    }

    /// The sparsity an N:M pattern implies, or nil for unstructured.
    public var impliedSparsity: Double? {
        if case .nOfM(let n, let m) = self { return Double(n) / Double(m) }
        return nil
    }
}

/// Encoded as its text (`unstructured`, `2:4`), as the trace's `pattern` attribute spells it.
extension SparsityPattern: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let pattern = SparsityPattern(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is neither 'unstructured' nor N:M"))
        }
        self = pattern
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
