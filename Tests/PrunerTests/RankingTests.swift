import Testing
@testable import Pruner

/// The radix order against the definition: ascending by score, ties by index (torch's stable sort).
@Suite struct RankingTests {
    @Test(arguments: [0, 1, 7, 256, 257, 576, 1536, 100_000])
    func ascendingIsTheStableOrderOfTheScores(count: Int) {
        var generator = SystemRandomNumberGenerator()
        // Few distinct values, both zeros and both signs, so ties are everywhere.
        let palette: [Float] = [-3.5, -1, -0.0, 0, 1e-30, 0.25, 0.25, 2, .greatestFiniteMagnitude, -.infinity, .infinity]
        let scores = (0..<count).map { _ in Bool.random(using: &generator) ? palette.randomElement(using: &generator)!
                                                                           : Float.random(in: -4...4, using: &generator) }
        let expected = Array(scores.indices).sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }
        #expect(scores.withUnsafeBufferPointer { Ranking.ascending($0) }.map(Int.init) == expected)
    }
}

extension RankingTests {
    @Test(arguments: [(1, 1), (7, 0), (7, 3), (576, 288), (1536, 768), (1536, 1536)])
    func lowestIsThePrefixOfTheStableOrder(count: Int, lowest: Int) {
        var generator = SystemRandomNumberGenerator()
        let scores = (0..<count).map { _ in Float(Int.random(in: 0..<12, using: &generator)) * 0.5 }  // ties everywhere
        let expected = Set(Array(scores.indices).sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }.prefix(lowest))
        let chosen = scores.withUnsafeBufferPointer { Ranking.lowest(lowest, of: $0) }
        #expect(chosen.count == lowest && Set(chosen) == expected)
    }
}

extension RankingTests {
    @Test func valueAtRankIsTheSortedValue() {
        var generator = SystemRandomNumberGenerator()
        for count in [1, 2, 3, 128, 5000] {
            let scores = (0..<count).map { _ in Float(Int.random(in: 0..<20, using: &generator)) * 0.25 }  // many duplicates
            let sorted = scores.sorted()
            for rank in Set([0, count / 3, count / 2, count - 1]) {
                #expect(Ranking.value(atRank: rank, of: scores) == sorted[rank], "rank \(rank) of \(count)")
            }
        }
    }
}
