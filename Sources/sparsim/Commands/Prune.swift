import ArgumentParser
import Foundation
import Pruner
import Traces

/// `sparsim prune`: masks for every linear of a model, written as a trace.
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prune a model's linear layers (magnitude, Wanda, SparseGPT, BESA) and write the masks as a trace.",
        discussion: """
            Calibration windows are drawn at seeded random offsets from the calibration text (default: \
            the five Austen novels other than Persuasion, in alphabetical order of file name). Blocks \
            are pruned one at a time; each block's outputs are recomputed with its pruned weights and \
            fed to the next, as in the reference implementations. --calib-ids gives the windows \
            instead, as token ids (e.g. to run another implementation on exactly the same ones); \
            either way the trace records their SHA-256. Memory: the model file is read one block at \
            a time as pruning reaches it, so the run holds the embedding, one block and the \
            calibration activations (--save-model and --eval-task keep every pruned block); it \
            prints its peak next to the bound worked out from the shapes.
            """
    )

    @Option(help: "A .gguf file or a Hugging Face model directory.")
    var model: String

    @Option(help: "magnitude, wanda, sparsegpt, besa, or rtn (no pruning, quantization only: needs --wbits).")
    var method: PruningMethod

    @Option(help: "Fraction of weights to prune, in [0, 1). Ignored with --pattern N:M (which implies N/M).")
    var sparsity: Double = 0.5

    @Option(help: "unstructured, or N:M (N zeros in every aligned group of M weights of a row).", transform: SparsityPattern.parse)
    var pattern: SparsityPattern = .unstructured

    @Option(name: .customLong("update-weights"),
            help: "(default: lstsq for besa without joint quantization, none otherwise) What to do with the kept weights once a block's masks are final: none, sparsegpt (SparseGPT's OBS update with the mask fixed), lstsq (exact least squares on the kept columns), or reprune (SparseGPT prunes each row — BESA row-wise, Wanda — or layer to the sparsity the method chose, with its own mask and update). Meant for BESA; also with wanda and sparsegpt (for comparison).")
    var updateWeights: WeightUpdate?

    @OptionGroup(title: "BESA") var besa: BESAOptions
    @OptionGroup(title: "Quantization") var quantization: QuantizationOptions
    @OptionGroup(title: "Calibration") var calibration: CalibrationOptions

    @Option(help: "The trace to write.")
    var out: String

    @Flag(name: .customLong("masks-only"), help: "Leave updated weights (SparseGPT's, or after --update-weights) out of the trace (a much smaller file; --save-model still has them).")
    var masksOnly = false

    @Flag(help: "Keep a checkpoint of every finished block in OUT.checkpoint/ so that an interrupted run (Ctrl-C, SIGTERM, a crash) can continue with --resume; removed when the trace is written. Without it an interrupted run leaves nothing behind.")
    var resumable = false

    @Flag(help: "Continue the interrupted --resumable run that wrote OUT.checkpoint/ from its last finished block (same settings required; checkpointing goes on); the trace is the one an uninterrupted run writes.")
    var resume = false

    @Option(name: .customLong("save-model"), help: "Also write the pruned model as a Hugging Face directory.")
    var saveModel: String?

    @Option(name: .customLong("eval"), help: "Evaluate the pruned model's perplexity on this text and record it in the trace.")
    var evalFile: String?

    @Option(name: .customLong("eval-seqlen"), help: "Window length for --eval (default: --seqlen).")
    var evalSeqlen: Int?

    @Option(name: .customLong("eval-windows"), help: "Evaluate only the first N windows.")
    var evalWindows: Int?

    @Option(name: .customLong("eval-task"),
            help: "Score the pruned model on this zero-shot task (JSON lines, as `eval --task` reads them) and record its accuracy in the trace as task_NAME_acc etc., NAME the file's name; repeatable.")
    var evalTasks: [String] = []

    @Option(name: .customLong("eval-task-limit"), help: "Score only the first N items of each --eval-task.")
    var evalTaskLimit: Int?

    func validate() throws {
        if let evalTaskLimit, evalTaskLimit < 1 { throw ValidationError("--eval-task-limit must be at least 1") }
        let taskNames = evalTasks.map(TaskRun.name(ofPath:))
        if Set(taskNames).count < taskNames.count { throw ValidationError("--eval-task files need different names: the trace records metrics by name") }
        if quantization.wbits != nil && masksOnly { throw ValidationError("--masks-only would drop the quantized weights (and their width) from the trace") }
    }

    /// The run's recipe from the options, before the calibration windows are read.
    var recipe: PruneRecipe {
        var recipe = PruneRecipe(method: method, sparsity: sparsity, pattern: pattern, weightUpdate: updateWeights,
                                 quantization: quantization.recipe(for: method))
        if method == .besa { recipe.besa = besa.options }
        return recipe
    }

    func run() throws {
        lineBufferStandardOutput()
        var recipe = self.recipe
        try recipe.validate()
        // The blocks are read from the file one at a time as pruning reaches them (docs/pruning.md, "Memory").
        let startUpMemory = peakMemoryMiB()
        var (loaded, blockSource) = try ModelLoader.open(model)
        let config = loaded.model.config
        try recipe.validate(for: config)
        if let saveModel, FileManager.default.fileExists(atPath: saveModel) {
            throw CLIError("\(saveModel): already exists; remove it or choose another --save-model")
        }
        // Read everything that can fail before the long work starts.
        let (calibrationWindows, length, calibrationRecipe) = try calibration.windows(for: loaded, needed: method.needsData)
        recipe.calibration = calibrationRecipe
        let evalTokens = try evalFile.map { loaded.tokenizer.encode(try TextFile.read($0)) }
        let evalLength = evalSeqlen ?? length
        if let evalTokens, let evalFile, evalTokens.count < evalLength {
            throw CLIError("\(evalFile): fewer than one window of \(evalLength) tokens")
        }
        let tasks = try evalTasks.map { path in
            let task = try TaskRun(path: path, format: nil, limit: evalTaskLimit)
            return (task, try task.encoded(for: loaded))
        }

        let pruner = BlockwisePruner(recipe: recipe)
        let metadata = TraceMetadata(model: loaded.name, method: recipe.name, targetSparsity: recipe.sparsity, pattern: recipe.pattern,
                                     seqlen: calibrationRecipe?.seqlen ?? 0, calibrationSamples: calibrationWindows.count,
                                     calibrationSHA256: calibrationRecipe?.sha256, recipe: recipe.json)
        let checkpoint = (resumable || resume) ? PruneCheckpoint(out: out, model: model, recipe: recipe) : nil
        let finished = try resume ? checkpoint!.load(blocks: config.layers) : []
        if resume { print("resuming after block \(finished.count) of \(config.layers) from \(checkpoint!.directory)") }
        let writer = try TraceWriter(path: out, metadata: metadata, config: Self.traceAttributes(config))
        if resumable, !resume { try checkpoint!.create() }
        // --eval runs its windows through each block as soon as it is pruned; --save-model and
        // --eval-task need the whole pruned model, so only they keep every pruned block.
        var evaluation = evalTokens.map { BlockMajorPerplexity(model: loaded.model, tokens: $0, seqlen: evalLength, maxWindows: evalWindows) }
        let keepsBlocks = saveModel != nil || !tasks.isEmpty
        var prunedBlocks: [BlockWeights] = []
        let start = Date()
        try pruner.prune(loaded.model, blocks: blockSource, calibration: calibrationWindows, resumingAfter: finished) { report, pruned in
            evaluation?.advance(through: pruned, of: loaded.model)
            if keepsBlocks { prunedBlocks.append(pruned) }
            if let checkpoint, !report.resumed { try checkpoint.save(report.layers, block: report.block, metadata: metadata) }
            for var layer in report.layers {
                // Updated weights (SparseGPT's, BESA's with --update-weights) go into the trace unless asked not to; the others keep the model's.
                if masksOnly { layer.weight = nil }
                try writer.append(layer)
            }
            print(report.progressLine(blocks: config.layers))
        }
        let seconds = Date().timeIntervalSince(start)
        var metrics = ["seconds": seconds]
        if keepsBlocks { loaded.model.weights.blocks = prunedBlocks }
        if let evaluation, let evalFile {
            let result = evaluation.result(loaded.model)
            metrics["perplexity"] = result.perplexity
            metrics["perplexity_seqlen"] = Double(evalLength)
            metrics["perplexity_windows"] = Double(result.windows)
            print(String(format: "perplexity %.4f on %@ (%d windows × %d tokens)", result.perplexity, evalFile, result.windows, evalLength))
        }
        // Pruning's peak (zero-shot scoring and the export below come after it and are not counted).
        let bound = PruningMemory(config: config, recipe: recipe, calibrationRows: calibrationWindows.reduce(0) { $0 + $1.count },
                                  windowRows: calibrationWindows.first?.count ?? 0, keptBlocks: keepsBlocks ? config.layers : 0,
                                  evaluationRows: evaluation.map { $0.windowCount * (evalLength - 1) } ?? 0,
                                  startUp: Int(startUpMemory * 1024 * 1024))
        metrics["peak_memory_mib"] = peakMemoryMiB()
        metrics["peak_memory_bound_mib"] = Double(bound.bytes) / 1024 / 1024
        print(String(format: "peak memory %.0f MiB; expected at most ", metrics["peak_memory_mib"]!) + bound.description)
        for (task, encoded) in tasks {
            let summary = task.evaluate(loaded, encoded: encoded)
            metrics.merge(task.traceMetrics(summary)) { $1 }
            print("\(task.name) (\(task.items.count) items): " + task.metricTexts(summary).joined(separator: ", "))
        }
        try writer.finish(metrics: metrics)
        checkpoint?.remove()
        print(String(format: "wrote %@ (pruning %.1f s)", out, seconds))
        if let saveModel {
            try HuggingFaceExport.write(loaded, to: saveModel)
            print("wrote \(saveModel)")
        }
    }


    /// The model's config as the trace's `/config` attributes (numbers and flags; flags as 0/1).
    static func traceAttributes(_ config: LlamaConfig) -> [String: AttributeValue] {
        Dictionary(uniqueKeysWithValues: config.huggingFaceValues.compactMap { key, value -> (String, AttributeValue)? in
            switch value {
            case let number as Int: (key, .int(Int64(number)))
            case let number as Double: (key, .double(number))
            case let flag as Bool: (key, .int(flag ? 1 : 0))
            default: nil
            }
        })
    }
}

extension BlockReport {
    /// `block  3/30    12.1 s  sparsity 50.00% (learned 49.98%)  loss 0.0536 → 0.0521  (q_proj 57.64%, …)`.
    func progressLine(blocks: Int) -> String {
        guard !resumed else { return String(format: "block %2d/%d  from the checkpoint  sparsity %.2f%%", block + 1, blocks, 100 * sparsity) }
        let perLayer = layers.map { String(format: "%@ %.2f%%", $0.id.projection.rawValue, 100 * $0.mask.sparsity) }
        let loss = self.loss.map { String(format: "  loss %.4f → %.4f", $0.start, $0.end) } ?? ""
        let learned = learnedSparsity.map { String(format: " (learned %.2f%%)", 100 * $0) } ?? ""
        let clipping = clippingStrength.map { String(format: "  clipping %.3f", $0) } ?? ""
        return String(format: "block %2d/%d  %6.1f s  sparsity %.2f%%", block + 1, blocks, seconds, 100 * sparsity)
            + learned + loss + clipping + "  (" + perLayer.joined(separator: ", ") + ")"
    }
}
