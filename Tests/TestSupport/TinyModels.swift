import Foundation
import Pruner
import SparsimSupport
import Traces

/// Small random models the pruner's and the CLI's tests run on (a real model would take minutes in
/// a debug build).
public enum TinyModels {
    /// Standard normal entries (Box–Muller on a seeded generator): the same matrix for the same seed.
    public static func gaussian(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in
            Float((-2 * log(max(generator.nextUnit(), 1e-12))).squareRoot() * cos(2 * .pi * generator.nextUnit()))
        })
    }

    /// 2 blocks, hidden 32, intermediate 48, GQA 4/2 heads, 50 tokens, tied embeddings, Gaussian
    /// weights and slightly uneven attention norms: a resident model for the pruner's tests.
    public static func resident() -> LlamaModel {
        let config = LlamaConfig(hiddenSize: 32, intermediateSize: 48, layers: 2, heads: 4, keyValueHeads: 2,
                                 vocabularySize: 50, ropeTheta: 10_000, rmsNormEpsilon: 1e-5, maxPositions: 64, tiedEmbeddings: true)
        var seed: UInt64 = 100
        func random(_ rows: Int, _ cols: Int) -> Matrix {
            seed += 1
            return gaussian(rows, cols, seed: seed)
        }
        let blocks = (0..<2).map { _ in
            BlockWeights(attentionNorm: (0..<32).map { 1 + Float($0 % 3) * 0.1 }, mlpNorm: [Float](repeating: 1, count: 32),
                         linears: Dictionary(uniqueKeysWithValues: Projection.allCases.map { projection in
                             let (rows, cols) = config.shape(of: projection)
                             return (projection, random(rows, cols))
                         }))
        }
        return LlamaModel(weights: LlamaWeights(config: config, embedding: random(50, 32), blocks: blocks,
                                                finalNorm: [Float](repeating: 1, count: 32), outputHead: nil, rotaryLayout: .halfSplit))
    }

    /// A Hugging Face directory for the CLI's tests: 2 blocks, hidden 32, GQA 4/2 heads, a
    /// byte-level vocabulary of 256 bytes and 4 merges, a context of 128 (other sizes on request).
    public static func writeHuggingFace(to directory: String, layers: Int = 2, hidden: Int = 32, intermediate: Int = 48) throws {
        let bytes = ByteLevelBPE.byteToCharacter.map(String.init)
        let merges = ["t h", "th e", "Ġ th", "Ġth e"]
        let vocabulary = bytes + ["th", "the", "Ġth", "Ġthe"]
        let tokenizer = try ByteLevelBPE(vocabulary: vocabulary, merges: merges, path: "tiny")
        let config = LlamaConfig(hiddenSize: hidden, intermediateSize: intermediate, layers: layers, heads: 4, keyValueHeads: 2,
                                 vocabularySize: vocabulary.count, ropeTheta: 10_000, rmsNormEpsilon: 1e-5, maxPositions: 128,
                                 tiedEmbeddings: true)
        var generator = SeededGenerator(seed: 11)
        func random(_ rows: Int, _ cols: Int) -> Matrix {
            Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in Float(generator.nextUnit() * 0.4 - 0.2) })
        }
        let blocks = (0..<layers).map { _ in
            BlockWeights(attentionNorm: [Float](repeating: 1, count: hidden), mlpNorm: [Float](repeating: 1, count: hidden),
                         linears: Dictionary(uniqueKeysWithValues: Projection.allCases.map { projection in
                             let (rows, cols) = config.shape(of: projection)
                             return (projection, random(rows, cols))
                         }))
        }
        let weights = LlamaWeights(config: config, embedding: random(vocabulary.count, hidden), blocks: blocks,
                                   finalNorm: [Float](repeating: 1, count: hidden), outputHead: nil, rotaryLayout: .halfSplit)
        try HuggingFaceExport.write(LoadedModel(name: "tiny", model: LlamaModel(weights: weights), tokenizer: tokenizer), to: directory)
    }
}
