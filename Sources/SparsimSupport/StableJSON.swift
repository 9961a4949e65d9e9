import Foundation

/// JSON text that is the same for the same value: keys sorted, one member a line, slashes left
/// alone (paths stay readable). Checkpoints compare it line by line, traces and sidecars record it.
public enum StableJSON {
    public static func text(of value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Non-finite numbers (an infinite perplexity) are spelled out instead of failing the encoding.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // With that, encoding the plain values the callers pass cannot fail.
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }
}
