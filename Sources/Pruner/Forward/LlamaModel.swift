import Foundation
import SparsimSupport
import Traces

/// A LLaMA model ready to run: weights, rotary tables, and the forward pass, batched over the tokens
/// of one sequence. The block-level API (`embed`, `block`, `logits`) is what calibration uses: it
/// runs one block at a time and can watch the input of every linear.
public struct LlamaModel: Sendable {
    public var weights: LlamaWeights
    let rotary: RotaryTable

    public init(weights: LlamaWeights) {
        self.weights = weights
        let config = weights.config
        rotary = RotaryTable(headDim: config.headDim, theta: config.ropeTheta, positions: min(config.maxPositions, 1 << 15))
    }

    public var config: LlamaConfig { weights.config }

    /// Token embeddings, tokens × hidden.
    public func embed(_ tokens: [Int32]) -> Matrix {
        let hidden = config.hiddenSize
        var x = Matrix(rows: tokens.count, cols: hidden)
        for (row, token) in tokens.enumerated() {
            precondition(token >= 0 && Int(token) < config.vocabularySize, "token \(token) outside the vocabulary")
            x.values.replaceSubrange(row * hidden..<(row + 1) * hidden,
                                     with: weights.embedding.values[Int(token) * hidden..<(Int(token) + 1) * hidden])
        }
        return x
    }

    /// Runs block `index` on hidden states (tokens × hidden, positions 0..<tokens). `observe` sees the
    /// input of each linear layer (q, k and v share one input; gate and up another).
    public func block(_ index: Int, _ x: Matrix, observe: ((Projection, Matrix) -> Void)? = nil) -> Matrix {
        precondition(index < weights.blocks.count, "block \(index) is not in memory (a model opened without its blocks: use its BlockSource)")
        return block(weights.blocks[index], x, past: nil, observe: observe).output
    }

    /// Runs a block with the weights `block` (one this model does not hold, e.g. read from the file
    /// on demand) on hidden states at positions 0..<tokens.
    public func block(_ block: BlockWeights, _ x: Matrix, observe: ((Projection, Matrix) -> Void)? = nil) -> Matrix {
        self.block(block, x, past: nil, observe: observe).output
    }

    /// Replaces each window's hidden states by `block`'s output on them, one window at a time: the
    /// activations of all windows are held once, not twice as `states.map` would hold them.
    public func advance(_ states: inout [Matrix], through block: BlockWeights) {
        for index in states.indices { states[index] = self.block(block, states[index]) }
    }

    /// Runs a block on the hidden states of the positions that follow `past` (none: from 0) and
    /// returns the keys and values of all positions so far, `past`'s and the new ones.
    func block(_ block: BlockWeights, _ x: Matrix, past: KeyValueCache.Entry?,
               observe: ((Projection, Matrix) -> Void)? = nil) -> (output: Matrix, keysAndValues: KeyValueCache.Entry) {
        let start = past?.keys.rows ?? 0
        precondition(start + x.rows <= rotary.positions, "\(start + x.rows) positions exceed the \(rotary.positions) of the model")
        let config = config
        var h = x
        let attentionInput = Layers.rmsNorm(x, weight: block.attentionNorm, epsilon: config.rmsNormEpsilon)
        for projection in [Projection.q, .k, .v] { observe?(projection, attentionInput) }
        var q = Layers.linear(attentionInput, block[.q], bias: block.biases[.q])
        var k = Layers.linear(attentionInput, block[.k], bias: block.biases[.k])
        var v = Layers.linear(attentionInput, block[.v], bias: block.biases[.v])
        rotary.apply(&q, heads: config.heads, layout: weights.rotaryLayout, start: start)
        rotary.apply(&k, heads: config.keyValueHeads, layout: weights.rotaryLayout, start: start)
        if let past { (k, v) = (past.keys.appendingRows(k), past.values.appendingRows(v)) }
        let attention = Attention.forward(q: q, k: k, v: v, heads: config.heads, keyValueHeads: config.keyValueHeads,
                                          headDim: config.headDim, queryStart: start)
        observe?(.o, attention)
        Layers.add(&h, Layers.linear(attention, block[.o], bias: block.biases[.o]))

        let mlpInput = Layers.rmsNorm(h, weight: block.mlpNorm, epsilon: config.rmsNormEpsilon)
        observe?(.gate, mlpInput)
        observe?(.up, mlpInput)
        var gate = Layers.linear(mlpInput, block[.gate], bias: block.biases[.gate])
        Layers.swiGLU(&gate, Layers.linear(mlpInput, block[.up], bias: block.biases[.up]))
        observe?(.down, gate)
        Layers.add(&h, Layers.linear(gate, block[.down], bias: block.biases[.down]))
        return (h, KeyValueCache.Entry(keys: k, values: v))
    }

    /// Final norm of the last hidden states.
    public func finalHidden(_ x: Matrix) -> Matrix {
        Layers.rmsNorm(x, weight: weights.finalNorm, epsilon: config.rmsNormEpsilon)
    }

    /// Logits (tokens × vocabulary) of already-normed hidden states.
    public func logits(normed: Matrix) -> Matrix {
        Layers.linear(normed, weights.head)
    }

    /// All blocks, then logits.
    public func forward(_ tokens: [Int32]) -> Matrix {
        logits(normed: finalHidden(lastHidden(tokens)))
    }

    /// The embedding of `tokens` through every block (before the final norm).
    func lastHidden(_ tokens: [Int32]) -> Matrix {
        var x = embed(tokens)
        for index in 0..<config.layers { x = block(index, x) }
        return x
    }

    /// Mean negative log-likelihood (nats) of each token given the ones before it, over
    /// tokens[1...]. The head is applied `chunk` rows at a time (see `score`).
    public func meanNegativeLogLikelihood(_ tokens: [Int32], chunk: Int = 128) -> Double {
        precondition(tokens.count >= 2, "need at least two tokens")
        return meanNegativeLogLikelihood(lastHidden: lastHidden(Array(tokens.dropLast())), of: tokens, chunk: chunk)
    }

    /// The same from `lastHidden`, the last block's output on tokens.dropLast() (a run that went
    /// through the blocks some other way, e.g. all windows one block at a time).
    public func meanNegativeLogLikelihood(lastHidden: Matrix, of tokens: [Int32], chunk: Int = 128) -> Double {
        precondition(lastHidden.rows == tokens.count - 1, "\(lastHidden.rows) hidden states for \(tokens.count) tokens")
        let scored = score(finalHidden(lastHidden), targets: tokens.dropFirst(), chunk: chunk)
        return -scored.reduce(0) { $0 + $1.logLikelihood } / Double(tokens.count - 1)
    }

    /// log p(continuation | context) summed over the continuation's tokens, and whether every one of
    /// them is the most likely token at its position (lm-eval's `is_greedy`). Like lm-eval, keeps
    /// only the last `maxPositions` input tokens when the two together are longer.
    public func continuationLogLikelihood(context: [Int32], continuation: [Int32]) -> (logLikelihood: Double, isGreedy: Bool) {
        precondition(!continuation.isEmpty && !context.isEmpty, "need a context and a continuation")
        let whole = (context + continuation).suffix(config.maxPositions + 1)
        precondition(whole.count > continuation.count, "the continuation alone fills the context window")
        let scored = targetLogLikelihoods(input: whole.dropLast(), targets: whole.suffix(continuation.count))
        return (scored.reduce(0) { $0 + $1.logLikelihood }, scored.allSatisfy(\.isGreedy))
    }

    /// A context run once, so that several continuations of it are scored without running it again
    /// (the choices of a multiple-choice item share their context).
    public struct Prefix: Sendable {
        public let tokens: [Int32]
        let cache: KeyValueCache
        /// The final-normed hidden state of the last context token: it predicts the first continuation token.
        let lastNormed: Matrix
    }

    public func prefix(_ context: [Int32]) -> Prefix {
        precondition(!context.isEmpty, "need a context")
        var cache = KeyValueCache()
        let normed = normedHidden(context.suffix(rotary.positions), cache: &cache)
        let hidden = config.hiddenSize
        return Prefix(tokens: context, cache: cache,
                      lastNormed: Matrix(rows: 1, cols: hidden, values: Array(normed.values.suffix(hidden))))
    }

    /// `continuationLogLikelihood(context: prefix.tokens, continuation:)`, reusing the prefix's keys
    /// and values (equal up to float rounding); falls back to a full run when the two must be truncated.
    public func continuationLogLikelihood(after prefix: Prefix, continuation: [Int32]) -> (logLikelihood: Double, isGreedy: Bool) {
        precondition(!continuation.isEmpty, "need a continuation")
        guard prefix.tokens.count + continuation.count <= min(config.maxPositions, rotary.positions) + 1 else {
            return continuationLogLikelihood(context: prefix.tokens, continuation: continuation)
        }
        var rows = prefix.lastNormed
        if continuation.count > 1 {
            var cache = prefix.cache
            rows = rows.appendingRows(normedHidden(continuation.dropLast(), cache: &cache))
        }
        let scored = score(rows, targets: continuation[...])
        return (scored.reduce(0) { $0 + $1.logLikelihood }, scored.allSatisfy(\.isGreedy))
    }

    /// Runs `tokens` through every block after the positions `cache` holds, adds theirs to it, and
    /// returns their final-normed hidden states.
    func normedHidden(_ tokens: ArraySlice<Int32>, cache: inout KeyValueCache) -> Matrix {
        var x = embed(Array(tokens))
        let first = cache.entries.isEmpty
        for index in 0..<config.layers {
            let (output, keysAndValues) = block(weights.blocks[index], x, past: first ? nil : cache.entries[index])
            if first { cache.entries.append(keysAndValues) } else { cache.entries[index] = keysAndValues }
            x = output
        }
        return finalHidden(x)
    }

    /// Runs `input` through the model and scores the last `targets.count` positions: position t's
    /// log-softmax at targets[t], and whether that is the (first) largest logit there.
    func targetLogLikelihoods(input: ArraySlice<Int32>, targets: ArraySlice<Int32>, chunk: Int = 128) -> [(logLikelihood: Double, isGreedy: Bool)] {
        precondition(targets.count <= input.count)
        let normed = finalHidden(lastHidden(Array(input)))
        let hidden = config.hiddenSize, first = input.count - targets.count
        return score(Matrix(rows: targets.count, cols: hidden, values: Array(normed.values[(first * hidden)...])), targets: targets, chunk: chunk)
    }

    /// Row t of `normed` (final-normed hidden states) scored against targets[t]: the log-softmax of
    /// its logits there, and whether that is the (first) largest logit. The head is applied `chunk`
    /// rows at a time into one reused buffer: 128 × 49,152 logits (SmolLM2) are 25 MB, under the
    /// 32 MB below which glibc keeps them in the heap, where a whole 2048-token window's would be
    /// 400 MB of fresh pages.
    func score(_ normed: Matrix, targets: ArraySlice<Int32>, chunk: Int = 128) -> [(logLikelihood: Double, isGreedy: Bool)] {
        precondition(normed.rows == targets.count, "\(normed.rows) rows for \(targets.count) targets")
        let hidden = config.hiddenSize, vocabulary = weights.head.rows
        let targets = Array(targets)
        var scored: [(logLikelihood: Double, isGreedy: Bool)] = []
        scored.reserveCapacity(targets.count)
        var logits = Matrix.uninitialized(rows: min(chunk, normed.rows), cols: vocabulary)
        normed.values.withUnsafeBufferPointer { input in
            weights.head.values.withUnsafeBufferPointer { head in
                logits.values.withUnsafeMutableBufferPointer { values in
                    nonisolated(unsafe) let logitRows = values.baseAddress!
                    for start in stride(from: 0, to: normed.rows, by: chunk) {
                        let rows = min(chunk, normed.rows - start)
                        BLAS.gemm(m: rows, n: vocabulary, k: hidden, input.baseAddress! + start * hidden, lda: hidden,
                                  head.baseAddress!, ldb: hidden, transposeB: true, logitRows, ldc: vocabulary)
                        scored += Parallel.map(rows) { row in
                            let base = logitRows + row * vocabulary
                            let target = Int(targets[start + row]), targetLogit = base[target]
                            let largest = VectorMath.maximum(base, count: vocabulary)
                            // The first index of the largest logit is the target's when no earlier logit reaches it.
                            let isGreedy = targetLogit == largest && !UnsafeBufferPointer(start: base, count: target).contains(largest)
                            let sum = VectorMath.expInPlace(base, count: vocabulary, shift: largest)
                            return (-(Double(largest) + log(sum) - Double(targetLogit)), isGreedy)
                        }
                    }
                }
            }
        }
        return scored
    }
}

/// The keys and values (keys after the rotation) of the positions run so far, one entry per block:
/// tokens that continue those positions attend to them instead of recomputing them.
public struct KeyValueCache: Sendable {
    public struct Entry: Sendable {
        let keys: Matrix    // positions × keyValueHeads·headDim
        let values: Matrix
    }

    var entries: [Entry] = []
}
