/// Splits text the way GPT-2's byte-level BPE (and SmolLM2, LLaMA-3) does before merging, i.e. the
/// regex `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, written out as a
/// scanner over Unicode scalars (same alternatives, same order, same greediness).
enum GPT2PreTokenizer {
    enum Class { case letter, number, space, other }

    static func classify(_ scalar: Unicode.Scalar) -> Class {
        if scalar.properties.isWhitespace { return .space }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// The pieces of `text`, in order; concatenated they give `text` back.
    static func split(_ text: String) -> [Substring] {
        let scalars = text.unicodeScalars
        var pieces: [Substring] = []
        var start = scalars.startIndex
        let end = scalars.endIndex
        func cls(_ index: String.UnicodeScalarView.Index) -> Class { classify(scalars[index]) }
        func run(from index: String.UnicodeScalarView.Index, of kind: Class) -> String.UnicodeScalarView.Index {
            var index = index
            while index < end, cls(index) == kind { index = scalars.index(after: index) }
            return index
        }
        while start < end {
            let scalar = scalars[start]
            let next = scalars.index(after: start)
            var stop: String.UnicodeScalarView.Index

            if scalar == "'", let contraction = contractionEnd(scalars, after: next) {
                stop = contraction
            } else {
                // ` ?` then a run of letters, numbers or others.
                var body = start
                if scalar == " ", next < end, cls(next) != .space { body = next }
                let kind = cls(body)
                if kind != .space {
                    stop = run(from: scalars.index(after: body), of: kind)
                } else {
                    // Whitespace: `\s+(?!\S)` leaves the last space for the next piece when a
                    // non-space follows; a single space before a non-space is `\s+` alone.
                    let runEnd = run(from: start, of: .space)
                    stop = runEnd
                    if runEnd < end {
                        let last = scalars.index(before: runEnd)
                        if last > start { stop = last }
                    }
                }
            }
            pieces.append(Substring(scalars[start..<stop]))
            start = stop
        }
        return pieces
    }

    /// `'s 't 're 've 'm 'll 'd` right after an apostrophe (in any case with `ignoringCase`): the
    /// end of the contraction, if one.
    static func contractionEnd(_ scalars: String.UnicodeScalarView, after index: String.UnicodeScalarView.Index,
                               ignoringCase: Bool = false) -> String.UnicodeScalarView.Index? {
        guard index < scalars.endIndex else { return nil }
        func letter(_ at: String.UnicodeScalarView.Index) -> String {
            ignoringCase ? Character(scalars[at]).lowercased() : String(scalars[at])
        }
        let first = letter(index)
        let afterFirst = scalars.index(after: index)
        if ["s", "t", "m", "d"].contains(first) { return afterFirst }
        guard afterFirst < scalars.endIndex else { return nil }
        return ["re", "ve", "ll"].contains(first + letter(afterFirst)) ? scalars.index(after: afterFirst) : nil
    }
}
