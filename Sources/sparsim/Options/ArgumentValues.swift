import ArgumentParser
import Pruner
import Traces

// The pruner's settings as command-line values: each enum's raw values are what the options take
// (ArgumentParser lists them in --help and names them in its error for anything else).
extension PruningMethod: ExpressibleByArgument {}
extension BESA.Granularity: ExpressibleByArgument {}
extension SparsityLogits.Parameterization: ExpressibleByArgument {}
extension Importance: ExpressibleByArgument {}
extension WeightUpdate: ExpressibleByArgument {}
extension QuantizationRecipe.Mode: ExpressibleByArgument {}

/// `--optimizer`: which optimizer trains BESA's logits (its step size comes from another option).
enum OptimizerName: String, CaseIterable, ExpressibleByArgument {
    case prodigy, adam
}

extension SparsityPattern {
    /// `--pattern`'s parser: the message says what a pattern looks like.
    static func parse(_ text: String) throws -> SparsityPattern {
        guard let pattern = SparsityPattern(text) else {
            throw ValidationError("'\(text)' is neither 'unstructured' nor N:M with 0 < N < M")
        }
        return pattern
    }
}
