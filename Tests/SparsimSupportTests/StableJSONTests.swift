import Foundation
import SparsimSupport
import Testing

@Suite struct StableJSONTests {
    struct Sample: Encodable {
        var zeta = 1.5
        var alpha = "a/b"
        var worst = Double.infinity
    }

    /// Keys sorted, one member a line, paths unescaped, and an infinite value spelled out rather
    /// than trapping the encoder.
    @Test func theSameTextForTheSameValue() {
        let text = StableJSON.text(of: Sample())
        #expect(text == "{\n  \"alpha\" : \"a/b\",\n  \"worst\" : \"inf\",\n  \"zeta\" : 1.5\n}")
        #expect(StableJSON.text(of: Sample()) == text)
    }
}
