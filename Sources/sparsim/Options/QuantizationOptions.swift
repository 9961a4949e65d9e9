import ArgumentParser
import Pruner

/// Weight-only quantization of a prune run.
struct QuantizationOptions: ParsableArguments {
    @Option(help: "Quantize the weights to this many bits (2–8), uniform asymmetric, after pruning (or jointly, see --quantization).")
    var wbits: Int?

    @Option(name: .customLong("group-size"), help: "Input columns per scale and zero point; 0 = one per output channel.")
    var groupSize: Int = 0

    @Option(help: "With --wbits and BESA: joint (clipping learned with the masks, the paper's §3.3) or rtn (prune, then round to nearest). Other methods: rtn. (default: joint for besa, rtn otherwise)")
    var quantization: QuantizationRecipe.Mode?

    @Option(name: .customLong("clipping-lr"), help: "--quantization joint: Adam step size of the clipping logits (OmniQuant's 1e-2).")
    var clippingLearningRate: Double = 1e-2

    func validate() throws {
        if wbits == nil && quantization != nil { throw ValidationError("--quantization needs --wbits") }
    }

    /// The recipe's quantization for `method`, nil without --wbits.
    func recipe(for method: PruningMethod) -> QuantizationRecipe? {
        wbits.map { bits in
            QuantizationRecipe(bits: bits, groupSize: groupSize, mode: quantization ?? QuantizationRecipe.defaultMode(for: method),
                               clippingLearningRate: clippingLearningRate)
        }
    }
}
