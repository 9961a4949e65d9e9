import Foundation
import Traces

/// What a block-by-block pruning run holds in memory, from the model's shapes alone: the bound
/// `sparsim prune` prints next to its measured peak, and the README's formula for larger models.
public struct PruningMemory: Sendable {
    public struct Term: Sendable {
        public var name: String
        public var bytes: Int
    }

    /// Allowance for what does not scale with the model's blocks: the tokenizer and the calibration
    /// text while it is tokenized (SmolLM2's 49K-token vocabulary: ~35 MiB and ~40 MiB, the latter
    /// freed before the activations exist), the trace writer's HDF5 caches, allocator slack.
    public static let allowance = 64 << 20

    public private(set) var terms: [Term] = []

    /// `startUp`: the process's resident memory before it read anything (runtime and libraries).
    /// `keptBlocks`: pruned blocks the run keeps (all of them for --save-model and --eval-task);
    /// `evaluationRows`: the tokens --eval carries through the blocks with the calibration windows.
    public init(config: LlamaConfig, recipe: PruneRecipe, calibrationRows: Int, windowRows: Int,
                keptBlocks: Int = 0, evaluationRows: Int = 0, startUp: Int) {
        let float = MemoryLayout<Float>.size
        let (hidden, intermediate) = (config.hiddenSize, config.intermediateSize)
        let shapes = Projection.allCases.map(config.shape(of:))
        let block = (shapes.reduce(0) { $0 + $1.rows * $1.cols } + 2 * hidden) * float
        let method = recipe.method
        let activations = method.needsData ? calibrationRows * hidden * float : 0
        // x, the two norms' outputs, q, k, v, attention, gate, up and their product: an upper bound.
        let window = windowRows * (6 * hidden + 3 * intermediate) * float
        terms = [Term(name: "start-up", bytes: startUp),
                 Term(name: config.tiedEmbeddings ? "embedding" : "embedding and head",
                      bytes: (config.tiedEmbeddings ? 1 : 2) * config.vocabularySize * hidden * float),
                 Term(name: "block", bytes: block)]
        if method.needsData {
            terms += [Term(name: "activations", bytes: activations), Term(name: "one window's forward", bytes: window)]
        }
        if method == .besa {
            terms.append(Term(name: "dense outputs", bytes: activations))
            // Scores, ranks, masked weights and their gradients (a block each); the backward keeps a
            // window's forward intermediates and their gradients.
            terms.append(Term(name: "BESA's step", bytes: 4 * block + 2 * window))
            // Ten arrays of groups × K doubles: α, a step's z and p, dα, the optimizer's flat copy,
            // its x₀, s and two moments, and the gradient's per-layer pieces.
            let groups = recipe.besa.granularity == .row ? shapes.reduce(0) { $0 + $1.rows } : shapes.count
            terms.append(Term(name: "BESA's logits", bytes: 10 * groups * recipe.besa.candidates * MemoryLayout<Double>.size))
        }
        if recipe.collectsGramMatrices {
            // XᵀX of the four distinct inputs (q/k/v, o, gate/up, down).
            terms.append(Term(name: "Gram matrices", bytes: (3 * hidden * hidden + intermediate * intermediate) * float))
        }
        if method == .sparsegpt || recipe.weightUpdate != .none {
            // The updated weights (a block) until they are installed; per layer H, its damped inverse
            // and Cholesky factor, and a copy of the layer.
            let inputs = shapes.map(\.cols).max()!, layer = shapes.map { $0.rows * $0.cols }.max()!
            terms.append(Term(name: "weight update", bytes: block + (4 * inputs * inputs + 2 * layer) * float))
        }
        if keptBlocks > 0 { terms.append(Term(name: "\(keptBlocks) kept blocks", bytes: keptBlocks * block)) }
        if evaluationRows > 0 { terms.append(Term(name: "evaluation windows", bytes: evaluationRows * hidden * float)) }
        terms.append(Term(name: "allowance", bytes: Self.allowance))
    }

    public var bytes: Int { terms.reduce(0) { $0 + $1.bytes } }
}

extension PruningMemory: CustomStringConvertible {
    /// `218 MiB = start-up 29.0 + embedding 108.0 + …` (MiB).
    public var description: String {
        String(format: "%.0f MiB = ", Double(bytes) / 1024 / 1024)
            + terms.map { String(format: "%@ %.1f", $0.name, Double($0.bytes) / 1024 / 1024) }.joined(separator: " + ")
    }
}
