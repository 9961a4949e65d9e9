import ArgumentParser
import Foundation
import Pruner
import Traces

/// Times each pruning method next to one forward pass over the same calibration windows.
struct BenchPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Prune time of each method next to one forward pass (all blocks) over the same calibration windows.",
        discussion: """
            The reference protocol runs every block twice (dense, to collect statistics; pruned, to feed \
            the next block), so a data-driven method costs at least two forward passes; the ratio shows \
            what the method adds on top. BESA's line also gives its multiply-adds over Wanda's (the \
            dense and pruned passes plus a masked forward and a backward per window): the least its \
            time can be over Wanda's. Peak memory: run `sparsim prune` (it prints and records it).
            """
    )

    @Option(help: "A .gguf file or a Hugging Face model directory.")
    var model: String = "data/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Calibration windows.")
    var samples: Int = 16

    @Option(name: .customLong("method"),
            help: "A method to time, repeatable: \(Self.methodNames.joined(separator: ", ")) (default: all of them, in that order).")
    var methods: [String] = []

    /// Every method as the papers define it, then BESA as `prune` runs it by default.
    static let methodNames = PruningMethod.allCases.filter { $0 != .rtn }.map(\.rawValue) + ["besa+lstsq"]

    @OptionGroup(title: "BESA (for both BESA lines)") var besa: BESAOptions

    /// The recipe a method name stands for: the paper's settings (BESA: masks only), or BESA + lstsq.
    func recipe(named name: String) -> PruneRecipe {
        let method = name == "besa+lstsq" ? PruningMethod.besa : PruningMethod(rawValue: name)!
        var recipe = PruneRecipe(method: method, weightUpdate: name == "besa+lstsq" ? .lstsq : WeightUpdate.none)
        if method == .besa { recipe.besa = besa.options }
        return recipe
    }

    func validate() throws {
        if let unknown = methods.first(where: { !Self.methodNames.contains($0) }) {
            throw ValidationError("--method \(unknown): not one of \(Self.methodNames.joined(separator: ", "))")
        }
    }

    @Option(help: "Calibration window length.")
    var seqlen: Int = 512

    func run() throws {
        lineBufferStandardOutput()
        let loaded = try ModelLoader.load(model)
        let calibration = try CalibrationOptions.textWindows(files: CalibrationOptions.defaultFiles(), tokenizer: loaded.tokenizer,
                                                             count: samples, seqlen: seqlen, seed: 0).windows
        print("bench prune: \(loaded.name), \(samples) windows × \(seqlen) tokens")
        var start = Date()
        var inputs = calibration.map { loaded.model.embed($0) }
        for block in 0..<loaded.model.config.layers { inputs = inputs.map { loaded.model.block(block, $0) } }
        let forward = Date().timeIntervalSince(start)
        print(String(format: "one forward pass (30 blocks): %7.1f s", forward))
        let pruners = Self.methodNames.filter { methods.isEmpty || methods.contains($0) }.map { ($0, BlockwisePruner(recipe: recipe(named: $0))) }
        // BESA's multiply-adds over Wanda's: the least its time can be over Wanda's at equal efficiency.
        let work = MultiplyAdds(loaded.model.config, tokens: seqlen)
        var wandaSeconds: Double?  // the methods timed after Wanda also show their ratio to it
        for (name, pruner) in pruners {
            var model = loaded.model
            start = Date()
            try pruner.prune(&model, calibration: calibration) { _ in }
            let seconds = Date().timeIntervalSince(start)
            print(name.padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(format: " prune: %7.1f s = %.2f× one forward pass", seconds, seconds / forward)
                + (wandaSeconds.map { String(format: " = %.2f× Wanda", seconds / $0) } ?? "")
                + (wandaSeconds != nil && name == PruningMethod.besa.rawValue
                    ? String(format: " (multiply-adds: %.2f× Wanda's)", work.besa(epochs: pruner.recipe.besa.epochs) / work.wanda) : ""))
            if name == PruningMethod.wanda.rawValue { wandaSeconds = seconds }
        }
    }
}
