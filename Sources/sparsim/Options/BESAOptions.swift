import ArgumentParser
import Pruner

/// BESA's learning settings (`prune`, `bench prune`).
struct BESAOptions: ParsableArguments {
    @Option(help: "Learn one sparsity per output row (row) or per layer (layer).")
    var granularity: BESA.Granularity = .row

    @Option(help: "Optimizer of the sparsity logits, prodigy (the paper's) or adam.")
    var optimizer: OptimizerName = .prodigy

    @Option(name: .customLong("d-coef"), help: "With Prodigy: d_coef, the factor on the estimated step size.")
    var dCoef: Double = 5

    @Option(name: .customLong("besa-lr"), help: "With Adam: step size on the sparsity logits.")
    var learningRate: Double = 0.1

    @Option(help: "Passes over the calibration windows.")
    var epochs: Int = 1

    @Option(help: "Weight λ of the sparsity penalty λ((ŝ − s*)/s*)².")
    var lambda: Double = 5

    @Option(help: "Number of candidate sparsities each row (or layer) mixes, evenly spaced from 1 to 0 (the reference's 101: steps of 1%).")
    var candidates: Int = SparsityLogits.referenceCandidateCount

    @Option(name: [.customLong("parameterization"), .customLong("parameterisation")],
            help: "How logits become candidate probabilities: sigmoid-softmax (the reference's; keeps every ŝ within [0.376, 0.624]) or softmax (the whole [0, 1]). (--parameterisation: the old spelling, still accepted.)")
    var parameterization: SparsityLogits.Parameterization = .sigmoidSoftmax

    @Option(help: "How each row's weights are ranked: wanda (|W|·‖X‖, the paper's), magnitude (|W|), or obs (W²/[H⁻¹]_jj, SparseGPT's saliency).")
    var importance: Importance = .wanda

    func validate() throws {
        // The library also takes 0 epochs (the importance ranking alone); a run means to learn.
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
    }

    var options: BESA.Options {
        var options = BESA.Options()
        options.granularity = granularity
        options.optimizer = switch optimizer {
        case .prodigy: .prodigy(dCoef: dCoef)
        case .adam: .adam(learningRate: learningRate)
        }
        options.epochs = epochs
        options.lambda = lambda
        options.candidates = candidates
        options.parameterization = parameterization
        options.importance = importance
        return options
    }
}
