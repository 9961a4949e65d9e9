import Traces

/// The gradient of a loss with respect to the masks of one decoder block's seven linears, given
/// dL/dy for the block's output: the forward pass with the masked weights (kept activations), then
/// back through the MLP and attention branches (docs/design/block-gradients.md, "The block").
struct BlockGradient {
    let model: LlamaModel
    /// The block's dense weights: its norms and biases (the linears' weights are passed per call).
    let block: BlockWeights

    struct Result {
        /// dL/dW' per projection, W' the weight the forward used (masked, possibly quantized).
        var weightGradients: [Projection: Matrix]
        /// dL/dx for the block's input, when asked for.
        var inputGradient: Matrix?

        /// dL/dM per projection (C_out × C_in): dL/dW' ⊙ W, W the unmasked weights.
        func maskGradients(weights: [Projection: Matrix]) -> [Projection: Matrix] {
            weightGradients.reduce(into: [:]) { $0[$1.key] = LayerGradients.maskGradient(weightGradient: $1.value, weight: weights[$1.key]!) }
        }
    }

    /// The block's output with the weights `effective` (W ⊙ M, or the quantized W ⊙ M), and the
    /// gradients given dL/dy as `lossGradient` computes it from the output; dL/dM is taken
    /// straight through as dL/dW' ⊙ W. BESA needs no gradient for the block's input: skipping it
    /// saves the input products of q, k and v and the first RMSNorm's backward.
    func forwardAndBackward(x: Matrix, effective: [Projection: Matrix], inputGradient: Bool = false,
                            lossGradient: (Matrix) -> Matrix) -> (output: Matrix, gradients: Result) {
        var output: Matrix?
        let result = backward(x: x, effective: effective, inputGradient: inputGradient) { y in
            output = y
            return lossGradient(y)
        }
        return (output!, result)
    }

    /// The gradients of Σ dy ⊙ y, y the block's output with masks `masks` (input gradient included).
    func backward(x: Matrix, weights: [Projection: Matrix], masks: [Projection: Matrix], dy: Matrix) -> Result {
        backward(x: x, effective: Self.masked(weights, masks), inputGradient: true) { _ in dy }
    }

    /// `masked` are the weights the forward uses.
    private func backward(x: Matrix, effective masked: [Projection: Matrix], inputGradient: Bool,
                          outputGradient: (Matrix) -> Matrix) -> Result {
        let config = model.config
        // Forward, keeping what the backward needs.
        let n1 = Layers.rmsNorm(x, weight: block.attentionNorm, epsilon: config.rmsNormEpsilon)
        let biases = block.biases
        var q = Layers.linear(n1, masked[.q]!, bias: biases[.q]), k = Layers.linear(n1, masked[.k]!, bias: biases[.k])
        let v = Layers.linear(n1, masked[.v]!, bias: biases[.v])
        model.rotary.apply(&q, heads: config.heads, layout: model.weights.rotaryLayout)
        model.rotary.apply(&k, heads: config.keyValueHeads, layout: model.weights.rotaryLayout)
        let attention = Attention.forward(q: q, k: k, v: v, heads: config.heads, keyValueHeads: config.keyValueHeads, headDim: config.headDim)
        var h = x
        Layers.add(&h, Layers.linear(attention, masked[.o]!, bias: biases[.o]))
        let n2 = Layers.rmsNorm(h, weight: block.mlpNorm, epsilon: config.rmsNormEpsilon)
        let a = Layers.linear(n2, masked[.gate]!, bias: biases[.gate]), b = Layers.linear(n2, masked[.up]!, bias: biases[.up])
        var m = a
        Layers.swiGLU(&m, b)
        var y = h
        Layers.add(&y, Layers.linear(m, masked[.down]!, bias: biases[.down]))
        let dy = outputGradient(y)

        var weightGradients: [Projection: Matrix] = [:]
        // MLP branch: y = h + m Wdᵀ.
        let down = LayerGradients.maskedLinear(x: m, maskedWeight: masked[.down]!, dy: dy)
        weightGradients[.down] = down.dWeight
        let (dGate, dUp) = LayerGradients.swiGLU(gate: a, up: b, dm: down.dx)
        let gate = LayerGradients.maskedLinear(x: n2, maskedWeight: masked[.gate]!, dy: dGate)
        let up = LayerGradients.maskedLinear(x: n2, maskedWeight: masked[.up]!, dy: dUp)
        weightGradients[.gate] = gate.dWeight
        weightGradients[.up] = up.dWeight
        var dn2 = gate.dx
        Layers.add(&dn2, up.dx)
        var dh = dy
        Layers.add(&dh, LayerGradients.rmsNorm(x: h, weight: block.mlpNorm, epsilon: config.rmsNormEpsilon, dy: dn2))
        // Attention branch: h = x + attention Woᵀ.
        let output = LayerGradients.maskedLinear(x: attention, maskedWeight: masked[.o]!, dy: dh)
        weightGradients[.o] = output.dWeight
        var (dq, dk, dv) = LayerGradients.attention(q: q, k: k, v: v, heads: config.heads, keyValueHeads: config.keyValueHeads,
                                                    headDim: config.headDim, dOutput: output.dx)
        model.rotary.applyTransposed(&dq, heads: config.heads, layout: model.weights.rotaryLayout)
        model.rotary.applyTransposed(&dk, heads: config.keyValueHeads, layout: model.weights.rotaryLayout)
        for (projection, d) in [(Projection.q, dq), (.k, dk), (.v, dv)] {
            weightGradients[projection] = LayerGradients.weightGradient(x: n1, dy: d)
        }
        guard inputGradient else { return Result(weightGradients: weightGradients) }
        var dn1 = BLAS.matmul(dq, masked[.q]!)
        Layers.add(&dn1, BLAS.matmul(dk, masked[.k]!))
        Layers.add(&dn1, BLAS.matmul(dv, masked[.v]!))
        var dx = dh
        Layers.add(&dx, LayerGradients.rmsNorm(x: x, weight: block.attentionNorm, epsilon: config.rmsNormEpsilon, dy: dn1))
        return Result(weightGradients: weightGradients, inputGradient: dx)
    }

    /// W ⊙ M per projection.
    static func masked(_ weights: [Projection: Matrix], _ masks: [Projection: Matrix]) -> [Projection: Matrix] {
        Dictionary(uniqueKeysWithValues: weights.map { ($0.key, masked($0.value, masks[$0.key]!)) })
    }

    static func masked(_ weight: Matrix, _ mask: Matrix) -> Matrix {
        var w = weight
        for i in w.values.indices { w.values[i] *= mask.values[i] }
        return w
    }
}
