import Testing
@testable import Pruner

/// The multiply-add counts against the causal triangle and against a count by hand.
@Suite struct MultiplyAddsTests {
    static func config(hidden: Int, intermediate: Int, heads: Int, keyValueHeads: Int) -> LlamaConfig {
        LlamaConfig(hiddenSize: hidden, intermediateSize: intermediate, layers: 1, heads: heads, keyValueHeads: keyValueHeads,
                    vocabularySize: 10, ropeTheta: 10_000, rmsNormEpsilon: 1e-5, maxPositions: 4096, tiedEmbeddings: true)
    }

    /// Attention's tiles cover the causal triangle (T(T+1)/2 query-key pairs) plus, per row block,
    /// at most the block's own upper half: never less, never more than that waste.
    @Test(arguments: [1, 63, 64, 200, 512, 2048])
    func attentionCoversTheCausalTriangleWithTheBlocksWaste(tokens: Int) {
        let (heads, headDim) = (9, 64)
        let perPair = 2 * Double(heads * headDim)  // one product, one query-key pair, all heads
        let pairs = Double(tokens * (tokens + 1) / 2)
        for (flops, products, rowBlock) in [(Attention.flops(tokens: tokens, heads: heads, headDim: headDim), 2.0, Attention.rowBlock),
                                            (Attention.backwardFlops(tokens: tokens, heads: heads, headDim: headDim), 5.0,
                                             LayerGradients.attentionRowBlock)] {
            let triangle = products * perPair * pairs
            #expect(flops >= triangle)
            #expect(flops <= triangle + products * perPair * Double(tokens) * Double(rowBlock) / 2, "\(tokens) tokens")
        }
    }

    /// SmolLM2-135M at 32 × 512, counted by hand per token: the seven linears 2 · 3,538,944 FLOP,
    /// o/gate/up/down 2 · 2,985,984; attention (9 heads of 64) forward 4 · 9 · 64 · 2304 · 64 / 512
    /// (row blocks of 64 see 64, 128, …, 512 keys), backward 10 · 9 · 64 · 1280 · 128 / 512. Wanda:
    /// 15.48 MFLOP; BESA: 38.11 — 2.46× (the least BESA's time can be over Wanda's).
    @Test func besaOverWandaOnSmolLM2() {
        let work = MultiplyAdds(Self.config(hidden: 576, intermediate: 1536, heads: 9, keyValueHeads: 3), tokens: 512)
        let linears = 2 * 3_538_944.0, inputGradients = 2 * 2_985_984.0
        let attention = 4 * 9 * 64 * 2304 * 64 / 512.0, attentionBackward = 10 * 9 * 64 * 1280 * 128 / 512.0
        let wanda = 2 * (linears + attention), besa = wanda + (linears + attention) + linears + inputGradients + attentionBackward
        #expect(abs(work.wanda / 512 - wanda) < 1e-6 * wanda)
        #expect(abs(work.besa() / 512 - besa) < 1e-6 * besa)
        #expect(abs(work.besa() / work.wanda - 2.462) < 0.001, "\(work.besa() / work.wanda)")
        #expect(abs(work.besa(epochs: 2) - work.besa() - (besa - wanda) * 512) < 1e-6 * besa * 512)
    }
}
