import Foundation
import Pruner
import Testing
import Traces

/// The recipe is what checkpoints compare and traces record: its name must stay what traces have
/// always been called, its JSON must decode to itself, and its checks must catch what the CLI
/// used to catch by hand.
@Suite struct PruneRecipeTests {
    static func besa(_ change: (inout PruneRecipe) -> Void = { _ in }) -> PruneRecipe {
        var recipe = PruneRecipe(method: .besa)
        change(&recipe)
        return recipe
    }

    /// Names as `prune` built them by concatenation before the recipe (the shipped traces carry them).
    @Test func namesAreTheOnesTracesCarry() {
        let cases: [(PruneRecipe, String)] = [
            (PruneRecipe(method: .wanda), "wanda"),
            (PruneRecipe(method: .sparsegpt, pattern: .nOfM(n: 2, m: 4)), "sparsegpt"),
            (PruneRecipe(method: .sparsegpt, weightUpdate: .lstsq), "sparsegpt+lstsq"),
            (Self.besa(), "besa-row+lstsq"),
            (Self.besa { $0.weightUpdate = .none; $0.besa.granularity = .layer }, "besa-layer"),
            (Self.besa { $0.besa.importance = .obs; $0.besa.candidates = 51; $0.besa.parameterization = .softmax; $0.besa.epochs = 2 },
             "besa-row+lstsq+obs+51cand+softmax+2ep"),
            (PruneRecipe(method: .besa, quantization: QuantizationRecipe(bits: 4, mode: .joint)), "besa-row+w4-joint"),
            (PruneRecipe(method: .besa, quantization: QuantizationRecipe(bits: 4, groupSize: 128, mode: .rtn)), "besa-row+lstsq+w4-rtng128"),
            (PruneRecipe(method: .rtn, quantization: QuantizationRecipe(bits: 3, mode: .rtn)), "rtn-w3"),
            (PruneRecipe(method: .wanda, quantization: QuantizationRecipe(bits: 8, mode: .rtn)), "wanda+w8-rtn"),
        ]
        for (recipe, name) in cases { #expect(recipe.name == name) }
    }

    @Test func defaultsFollowTheMethod() {
        #expect(PruneRecipe(method: .besa).weightUpdate == .lstsq)
        #expect(PruneRecipe(method: .besa, quantization: QuantizationRecipe(bits: 4, mode: .joint)).weightUpdate == .none)
        #expect(PruneRecipe(method: .wanda).weightUpdate == .none)
        #expect(PruneRecipe(method: .wanda, sparsity: 0.3, pattern: .nOfM(n: 4, m: 8)).sparsity == 0.5)
        #expect(PruneRecipe(method: .rtn, sparsity: 0.5).sparsity == 0)
    }

    @Test func jsonDecodesToTheSameRecipe() throws {
        var recipe = Self.besa { $0.besa.optimizer = .adam(learningRate: 0.05); $0.besa.granularity = .layer }
        recipe.quantization = QuantizationRecipe(bits: 4, groupSize: 64, mode: .rtn)
        recipe.calibration = CalibrationRecipe(source: .text(files: ["a.txt", "b/c.txt"], seed: 7), windows: 32, seqlen: 512,
                                               sha256: String(repeating: "ab", count: 32))
        let decoded = try JSONDecoder().decode(PruneRecipe.self, from: Data(recipe.json.utf8))
        #expect(decoded == recipe)
        #expect(decoded.json == recipe.json)
        let ids = PruneRecipe(method: .wanda, pattern: .nOfM(n: 2, m: 4),
                              calibration: CalibrationRecipe(source: .tokenIDs(file: "ids.npy"), windows: 4, seqlen: 64, sha256: "00"))
        #expect(try JSONDecoder().decode(PruneRecipe.self, from: Data(ids.json.utf8)) == ids)
        #expect(ids.json.contains("\"pattern\" : \"2:4\""))
        // One setting a line (what a checkpoint's mismatch message quotes).
        #expect(recipe.json.contains("\n    \"lambda\" : 5,\n"))
    }

    @Test func contradictionsAreRefused() {
        let cases: [(PruneRecipe, String)] = [
            (PruneRecipe(method: .wanda, sparsity: 1), "--sparsity 1.0 is outside [0, 1)"),
            (PruneRecipe(method: .rtn), "--method rtn needs --wbits"),
            (PruneRecipe(method: .besa, pattern: .nOfM(n: 2, m: 4)), "BESA learns unstructured sparsity"),
            (PruneRecipe(method: .magnitude, weightUpdate: .lstsq), "--update-weights needs calibration data"),
            (PruneRecipe(method: .wanda, quantization: QuantizationRecipe(bits: 4, mode: .joint)), "--quantization joint learns clipping with BESA"),
            (PruneRecipe(method: .besa, weightUpdate: .lstsq, quantization: QuantizationRecipe(bits: 4, mode: .joint)),
             "would undo the jointly learned quantization"),
            (PruneRecipe(method: .wanda, quantization: QuantizationRecipe(bits: 9, mode: .rtn)), "--wbits 9 is outside 2...8"),
            (Self.besa { $0.besa.candidates = 1 }, "--candidates must be at least 2"),
            (Self.besa { $0.besa.optimizer = .prodigy(dCoef: 0) }, "--d-coef must be positive"),
            // Infinite settings once reached the JSON encoder, which traps on them.
            (Self.besa { $0.besa.lambda = .infinity }, "--lambda inf is not a finite number ≥ 0"),
            (Self.besa { $0.besa.optimizer = .prodigy(dCoef: .infinity) }, "--d-coef must be positive and finite"),
            (Self.besa { $0.besa.optimizer = .adam(learningRate: .nan) }, "--besa-lr must be positive and finite"),
            (PruneRecipe(method: .besa, quantization: QuantizationRecipe(bits: 4, mode: .joint, clippingLearningRate: .infinity)),
             "--clipping-lr must be positive and finite"),
        ]
        for (recipe, message) in cases {
            #expect(throws: RecipeError.self) { try recipe.validate() }
            do { try recipe.validate() } catch { #expect(error.description.contains(message), "\(error)") }
        }
        #expect(throws: Never.self) { try Self.besa().validate() }
    }
}

extension PruneRecipeTests {
    @Test func onlyBESAWritesItsSettings() {
        #expect(!PruneRecipe(method: .wanda).json.contains("\"besa\""))
        #expect(Self.besa().json.contains("\"besa\""))
    }
}
