/// Splits text the way Qwen2's byte-level BPE does before merging (also LLaMA-3's, up to its
/// digit rule), i.e. the regex
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
/// written out as a scanner over Unicode scalars: at each position the first alternative that
/// matches wins, each with the regex's greediness. Unlike GPT-2's: one character that is not a
/// letter, digit or line break may lead a run of letters (`"(the` stays whole), digits come one
/// at a time, punctuation keeps the line breaks that follow it, and a run of white space ending in
/// a line break is cut after its last line break.
enum Qwen2PreTokenizer {
    typealias Index = String.UnicodeScalarView.Index

    /// The regex this scanner implements, as Hugging Face tokenizer.json files spell it.
    static let pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool { scalar == "\r" || scalar == "\n" }

    /// The pieces of `text`, in order; concatenated they give `text` back.
    static func split(_ text: String) -> [Substring] {
        let scalars = text.unicodeScalars
        let end = scalars.endIndex
        var pieces: [Substring] = []
        var start = scalars.startIndex
        func cls(_ index: Index) -> GPT2PreTokenizer.Class { GPT2PreTokenizer.classify(scalars[index]) }
        func after(_ index: Index) -> Index { scalars.index(after: index) }
        func letters(from index: Index) -> Index {
            var index = index
            while index < end, cls(index) == .letter { index = after(index) }
            return index
        }

        while start < end {
            let scalar = scalars[start]
            let next = after(start)
            let kind = cls(start)
            var stop: Index
            if scalar == "'", let contraction = GPT2PreTokenizer.contractionEnd(scalars, after: next, ignoringCase: true) {
                stop = contraction
            } else if kind == .letter {
                stop = letters(from: next)
            } else if kind != .number, !isLineBreak(scalar), next < end, cls(next) == .letter {
                // [^\r\n\p{L}\p{N}]\p{L}+
                stop = letters(from: after(next))
            } else if kind == .number {
                stop = next
            } else if let punctuation = punctuationEnd(scalars, from: start) {
                stop = punctuation
            } else {
                // White space (anything else was matched above): the longest run.
                var runEnd = start
                var lastBreak: Index?
                while runEnd < end, cls(runEnd) == .space {
                    if isLineBreak(scalars[runEnd]) { lastBreak = runEnd }
                    runEnd = after(runEnd)
                }
                if let lastBreak {
                    stop = after(lastBreak)  // \s*[\r\n]+
                } else if runEnd < end, scalars.index(before: runEnd) > start {
                    stop = scalars.index(before: runEnd)  // \s+(?!\S): the last space goes with what follows
                } else {
                    stop = runEnd  // \s+ (to the end of the text, or one space before a non-space)
                }
            }
            pieces.append(Substring(scalars[start..<stop]))
            start = stop
        }
        return pieces
    }

    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*` at `start`: its end, if it matches.
    private static func punctuationEnd(_ scalars: String.UnicodeScalarView, from start: Index) -> Index? {
        let end = scalars.endIndex
        var index = start
        if scalars[index] == " " { index = scalars.index(after: index) }
        let body = index
        while index < end, GPT2PreTokenizer.classify(scalars[index]) == .other { index = scalars.index(after: index) }
        guard index > body else { return nil }
        while index < end, isLineBreak(scalars[index]) { index = scalars.index(after: index) }
        return index
    }
}
