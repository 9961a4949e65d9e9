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

    @Option(help: "BESA: learn one sparsity per output row (row) or per layer (layer).")
    var granularity: String = "row"

    @Option(help: "BESA: optimizer of the sparsity logits, prodigy (the paper's) or adam.")
    var optimizer: String = "prodigy"

    @Option(name: .customLong("d-coef"), help: "BESA with Prodigy: d_coef, the factor on the estimated step size.")
    var dCoef: Double = 5

    @Option(name: .customLong("besa-lr"), help: "BESA with Adam: step size on the sparsity logits.")
    var besaLearningRate: Double = 0.1

    @Option(help: "BESA: passes over the calibration windows.")
    var epochs: Int = 1

    @Option(help: "BESA: weight λ of the sparsity penalty λ((ŝ − s*)/s*)².")
    var lambda: Double = 5

    @Option(help: "BESA: number of candidate sparsities each row (or layer) mixes, evenly spaced from 1 to 0 (the reference's 101: steps of 1%).")
    var candidates: Int = SparsityLogits.referenceCandidateCount

    @Option(name: [.customLong("parameterization"), .customLong("parameterisation")],
            help: "BESA: how logits become candidate probabilities: sigmoid-softmax (the reference's; keeps every ŝ within [0.376, 0.624]) or softmax (the whole [0, 1]). (--parameterisation: the old spelling, still accepted.)")
    var parameterization: String = SparsityLogits.Parameterization.sigmoidSoftmax.rawValue

    @Option(help: "BESA: how each row's weights are ranked: wanda (|W|·‖X‖, the paper's), magnitude (|W|), or obs (W²/[H⁻¹]_jj, SparseGPT's saliency).")
    var importance: String = Importance.wanda.rawValue

    @Option(name: .customLong("update-weights"),
            help: "(default: lstsq for besa without joint quantization, none otherwise) What to do with the kept weights once a block's masks are final: none, sparsegpt (SparseGPT's OBS update with the mask fixed), lstsq (exact least squares on the kept columns), or reprune (SparseGPT prunes each row — BESA row-wise, Wanda — or layer to the sparsity the method chose, with its own mask and update). Meant for BESA; also with wanda and sparsegpt (for comparison).")
    var updateWeights: String?

    @Option(help: "Quantize the weights to this many bits (2–8), uniform asymmetric, after pruning (or jointly, see --quantization).")
    var wbits: Int?

    @Option(name: .customLong("group-size"), help: "Quantization: input columns per scale and zero point; 0 = one per output channel.")
    var groupSize: Int = 0

    @Option(help: "With --wbits and BESA: joint (clipping learned with the masks, the paper's §3.3) or rtn (prune, then round to nearest). Other methods: rtn.")
    var quantization: String?

    @Option(name: .customLong("clipping-lr"), help: "Joint quantization: Adam step size of the clipping logits (OmniQuant's 1e-2).")
    var clippingLearningRate: Double = 1e-2

    @Option(help: "Fraction of weights to prune, in [0, 1). Ignored with --pattern N:M (which implies N/M).")
    var sparsity: Double = 0.5

    @Option(help: "unstructured, or N:M (N zeros in every aligned group of M weights of a row).")
    var pattern: String = "unstructured"

    @Option(name: .customLong("calib"), help: "Calibration text file; repeatable. (default: data/text/austen_*.txt except Persuasion)")
    var calibrationFiles: [String] = []

    @Option(help: "Number of calibration windows. (default: 128)")
    var samples: Int?

    @Option(help: "Calibration window length in tokens (default: the model's context or 2048, whichever is smaller).")
    var seqlen: Int?

    @Option(help: "Seed of the calibration window offsets. (default: 0)")
    var seed: UInt64?

    @Option(name: .customLong("calib-ids"),
            help: "Calibration windows as token ids: a NumPy .npy int32/int64 array [windows, seqlen] (np.save). Replaces --calib, --samples, --seqlen and --seed.")
    var calibrationIDs: String?

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
        if let samples, samples < 1 { throw ValidationError("--samples must be at least 1") }
        if let evalTaskLimit, evalTaskLimit < 1 { throw ValidationError("--eval-task-limit must be at least 1") }
        let taskNames = evalTasks.map(TaskRun.name(ofPath:))
        if Set(taskNames).count < taskNames.count { throw ValidationError("--eval-task files need different names: the trace records metrics by name") }
        if candidates < 2 { throw ValidationError("--candidates must be at least 2") }
        if calibrationIDs != nil, !calibrationFiles.isEmpty || samples != nil || seqlen != nil || seed != nil {
            throw ValidationError("--calib-ids gives the windows; drop --calib, --samples, --seqlen and --seed")
        }
        if let seqlen, seqlen < 2 { throw ValidationError("--seqlen must be at least 2") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard dCoef > 0, besaLearningRate > 0, clippingLearningRate > 0 else {
            throw ValidationError("--d-coef, --besa-lr and --clipping-lr must be positive")
        }
        if let wbits, !(2...8).contains(wbits) { throw ValidationError("--wbits \(wbits) is outside 2...8") }
        guard groupSize >= 0 else { throw ValidationError("--group-size must be 0 (per channel) or positive") }
        if method == .rtn && wbits == nil { throw ValidationError("--method rtn needs --wbits") }
        if wbits == nil && quantization != nil { throw ValidationError("--quantization needs --wbits") }
        if wbits != nil && masksOnly { throw ValidationError("--masks-only would drop the quantized weights (and their width) from the trace") }
    }

    func run() throws {
        lineBufferStandardOutput()
        let parsedPattern = try Self.parsePattern(pattern, sparsity: sparsity)
        if method == .rtn, parsedPattern != .unstructured { throw CLIError("--method rtn does not prune; drop --pattern") }
        let target = method == .rtn ? 0 : parsedPattern.impliedSparsity ?? sparsity
        // The blocks are read from the file one at a time as pruning reaches them (README, "Memory").
        let startUpMemory = peakMemoryMiB()
        var (loaded, blockSource) = try ModelLoader.open(model)
        let config = loaded.model.config
        if case .nOfM(let n, let m) = parsedPattern {
            for projection in Projection.allCases where config.shape(of: projection).cols % m != 0 {
                throw CLIError("\(n):\(m) does not divide C_in = \(config.shape(of: projection).cols) of \(projection.rawValue)")
            }
        }
        var length = seqlen ?? min(config.maxPositions, 2048)
        if let saveModel, FileManager.default.fileExists(atPath: saveModel) {
            throw CLIError("\(saveModel): already exists; remove it or choose another --save-model")
        }
        // Read everything that can fail before the long work starts.
        var calibration: [[Int32]] = []
        let method = self.method
        if method.needsData, let calibrationIDs {
            calibration = try TokenWindowsFile.read(calibrationIDs, vocabularySize: config.vocabularySize)
            length = calibration[0].count
        }
        guard length <= config.maxPositions else {
            let what = calibrationIDs.map { "\($0): a window of \(length) tokens" } ?? "--seqlen \(length)"
            throw CLIError("\(what) exceeds the model's context of \(config.maxPositions)")
        }
        if method.needsData, let calibrationIDs {
            print("calibration: \(calibration.count) windows × \(length) tokens from \(calibrationIDs)")
        } else if method.needsData {
            let files = try calibrationFiles.isEmpty ? Self.defaultCalibrationFiles() : calibrationFiles
            let (count, seed) = (samples ?? 128, seed ?? 0)
            let tokenCount: Int
            (calibration, tokenCount) = try Self.calibrationWindows(files: files, tokenizer: loaded.tokenizer, count: count,
                                                                   seqlen: length, seed: seed)
            print("calibration: \(count) windows × \(length) tokens from \(files.count) file(s), \(tokenCount) tokens, seed \(seed)")
        }
        let fingerprint = method.needsData ? Calibration.fingerprint(calibration) : nil
        if let fingerprint { print("calibration sha256 \(fingerprint)") }
        let evalTokens = try evalFile.map { loaded.tokenizer.encode(try TextFile.read($0)) }
        let evalLength = evalSeqlen ?? length
        if let evalTokens, let evalFile, evalTokens.count < evalLength {
            throw CLIError("\(evalFile): fewer than one window of \(evalLength) tokens")
        }
        let tasks = try evalTasks.map { try TaskRun(path: $0, format: nil, limit: evalTaskLimit) }

        var pruner = BlockwisePruner(method: method, sparsity: target, pattern: parsedPattern)
        if method == .besa {
            guard let granularity = BESA.Granularity(rawValue: granularity) else {
                throw CLIError("--granularity '\(granularity)' is neither row nor layer")
            }
            guard case .unstructured = parsedPattern else { throw CLIError("BESA learns unstructured sparsity; drop --pattern") }
            pruner.besa.granularity = granularity
            switch optimizer {
            case "prodigy": pruner.besa.optimizer = .prodigy(dCoef: dCoef)
            case "adam": pruner.besa.optimizer = .adam(learningRate: besaLearningRate)
            default: throw CLIError("--optimizer '\(optimizer)' is neither prodigy nor adam")
            }
            pruner.besa.epochs = epochs
            pruner.besa.lambda = lambda
            pruner.besa.candidates = candidates
            guard let parameterization = SparsityLogits.Parameterization(rawValue: parameterization) else {
                throw CLIError("--parameterization '\(self.parameterization)' is neither sigmoid-softmax nor softmax")
            }
            pruner.besa.parameterization = parameterization
            guard let importance = Importance(rawValue: importance) else {
                throw CLIError("--importance '\(self.importance)' is not one of \(Importance.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            pruner.besa.importance = importance
        }
        // BESA's masks with the exact least-squares weights beat every other combination measured
        // (README, "BESA with a weight update"); the other methods stay as their papers define them.
        let learnsQuantization = method == .besa && wbits != nil && (quantization ?? "joint") == "joint"
        let updateName = updateWeights ?? (method == .besa && !learnsQuantization ? WeightUpdate.lstsq : .none).rawValue
        guard let update = WeightUpdate(rawValue: updateName) else {
            throw CLIError("--update-weights '\(updateName)' is not one of \(WeightUpdate.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard update == .none || method.needsData else {
            throw CLIError("--update-weights needs calibration data: use it with wanda, sparsegpt or besa, not \(method.rawValue)")
        }
        pruner.weightUpdate = update
        let quantizer = wbits.map { UniformQuantizer(bits: $0, groupSize: groupSize) }
        switch (quantization ?? (method == .besa ? "joint" : "rtn"), quantizer) {
        case (_, nil): break
        case ("joint", let quantizer?):
            guard method == .besa else { throw CLIError("--quantization joint learns clipping with BESA; use --method besa, or --quantization rtn") }
            guard pruner.weightUpdate == .none else {
                throw CLIError("--update-weights would undo the jointly learned quantization; use --quantization rtn to quantize after the update")
            }
            pruner.besa.jointQuantizer = quantizer
            pruner.besa.clippingOptimizer = .adam(learningRate: clippingLearningRate)
        case ("rtn", let quantizer?): pruner.quantizer = quantizer
        case (let other, _): throw CLIError("--quantization '\(other)' is neither joint nor rtn")
        }
        var methodName = method == .besa ? "besa-\(granularity)" : method.rawValue
        if pruner.weightUpdate != .none { methodName += "+\(pruner.weightUpdate.rawValue)" }
        if method == .besa {
            // Settings an ablation changes, so that its traces tell themselves apart in `compare`.
            let defaults = BESA.Options()
            if pruner.besa.importance != defaults.importance { methodName += "+\(pruner.besa.importance.rawValue)" }
            if pruner.besa.candidates != defaults.candidates { methodName += "+\(pruner.besa.candidates)cand" }
            if pruner.besa.parameterization != defaults.parameterization { methodName += "+\(pruner.besa.parameterization.rawValue)" }
            if pruner.besa.epochs != defaults.epochs { methodName += "+\(pruner.besa.epochs)ep" }
        }
        if let wbits, method != .rtn {
            methodName += pruner.besa.jointQuantizer != nil ? "+w\(wbits)-joint" : "+w\(wbits)-rtn"
        } else if let wbits {
            methodName += "-w\(wbits)"
        }
        if groupSize > 0, wbits != nil { methodName += "g\(groupSize)" }
        let metadata = TraceMetadata(model: loaded.name, method: methodName, targetSparsity: target, pattern: parsedPattern,
                                     seqlen: method.needsData ? length : 0, calibrationSamples: calibration.count,
                                     calibrationSHA256: fingerprint)
        var traceConfig: [String: AttributeValue] = [:]
        for (key, value) in config.huggingFaceValues {
            switch value {
            case let number as Int: traceConfig[key] = .int(Int64(number))
            case let number as Double: traceConfig[key] = .double(number)
            case let flag as Bool: traceConfig[key] = .int(flag ? 1 : 0)
            default: break
            }
        }
        let checkpoint = (resumable || resume) ? PruneCheckpoint(out: out, settings: runSettings(metadata: metadata, pruner: pruner)) : nil
        let finished = try resume ? checkpoint!.load(blocks: config.layers) : []
        if resume { print("resuming after block \(finished.count) of \(config.layers) from \(checkpoint!.directory)") }
        let writer = try TraceWriter(path: out, metadata: metadata, config: traceConfig)
        if resumable, !resume { try checkpoint!.create() }
        // --eval runs its windows through each block as soon as it is pruned; --save-model and
        // --eval-task need the whole pruned model, so only they keep every pruned block.
        var evaluation = evalTokens.map { BlockMajorPerplexity(model: loaded.model, tokens: $0, seqlen: evalLength, maxWindows: evalWindows) }
        let keepsBlocks = saveModel != nil || !tasks.isEmpty
        var prunedBlocks: [BlockWeights] = []
        let start = Date()
        try pruner.prune(loaded.model, blocks: blockSource, calibration: calibration, resumingAfter: finished) { report, pruned in
            evaluation?.advance(through: pruned, of: loaded.model)
            if keepsBlocks { prunedBlocks.append(pruned) }
            if let checkpoint, !report.resumed { try checkpoint.save(report.layers, block: report.block, metadata: metadata) }
            for var layer in report.layers {
                // Updated weights (SparseGPT's, BESA's with --update-weights) go into the trace unless asked not to; the others keep the model's.
                if masksOnly { layer.weight = nil }
                try writer.append(layer)
            }
            guard !report.resumed else {
                print(String(format: "block %2d/%d  from the checkpoint  sparsity %.2f%%", report.block + 1, config.layers, 100 * report.sparsity))
                return
            }
            let perLayer = report.layers.map { String(format: "%@ %.2f%%", $0.id.projection.rawValue, 100 * $0.mask.sparsity) }
            let loss = report.loss.map { String(format: "  loss %.4f → %.4f", $0.start, $0.end) } ?? ""
            let learned = report.learnedSparsity.map { String(format: " (learned %.2f%%)", 100 * $0) } ?? ""
            let clipping = report.clippingStrength.map { String(format: "  clipping %.3f", $0) } ?? ""
            print(String(format: "block %2d/%d  %6.1f s  sparsity %.2f%%", report.block + 1, config.layers, report.seconds,
                         100 * report.sparsity) + learned + loss + clipping + "  (" + perLayer.joined(separator: ", ") + ")")
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
        let bound = PruningMemory(config: config, pruner: pruner, calibrationRows: calibration.reduce(0) { $0 + $1.count },
                                  windowRows: calibration.first?.count ?? 0, keptBlocks: keepsBlocks ? config.layers : 0,
                                  evaluationRows: evaluation.map { $0.windowCount * (evalLength - 1) } ?? 0,
                                  startUp: Int(startUpMemory * 1024 * 1024))
        metrics["peak_memory_mib"] = peakMemoryMiB()
        metrics["peak_memory_bound_mib"] = Double(bound.bytes) / 1024 / 1024
        print(String(format: "peak memory %.0f MiB; expected at most %.0f MiB = ", metrics["peak_memory_mib"]!, metrics["peak_memory_bound_mib"]!)
            + bound.terms.map { String(format: "%@ %.1f", $0.name, Double($0.bytes) / 1024 / 1024) }.joined(separator: " + "))
        for task in tasks {
            let summary = task.evaluate(loaded)
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

    /// Everything that decides the pruned weights, one setting a line: a checkpoint is only resumed
    /// by a run whose settings match line for line.
    func runSettings(metadata: TraceMetadata, pruner: BlockwisePruner) -> String {
        var lines = ["model \(model)", "method \(metadata.method)", "sparsity \(metadata.targetSparsity)", "pattern \(metadata.pattern)",
                     "calibration \(metadata.calibrationSamples) × \(metadata.seqlen) sha256 \(metadata.calibrationSHA256 ?? "none")",
                     "update-weights \(pruner.weightUpdate.rawValue)"]
        if method == .besa {
            lines += ["granularity \(pruner.besa.granularity.rawValue)", "optimizer \(pruner.besa.optimizer)", "epochs \(pruner.besa.epochs)",
                      "lambda \(pruner.besa.lambda)", "clipping \(pruner.besa.clippingOptimizer)", "candidates \(pruner.besa.candidates)",
                      "parameterization \(pruner.besa.parameterization.rawValue)", "importance \(pruner.besa.importance.rawValue)"]
        }
        if let wbits { lines.append("quantization \(wbits) bits, group \(groupSize), \(quantization ?? "default")") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func parsePattern(_ text: String, sparsity: Double) throws -> SparsityPattern {
        guard let pattern = SparsityPattern(text) else {
            throw CLIError("--pattern '\(text)' is neither 'unstructured' nor N:M with 0 < N < M")
        }
        if case .unstructured = pattern, !(sparsity >= 0 && sparsity < 1) {
            throw CLIError("--sparsity \(sparsity) is outside [0, 1)")
        }
        return pattern
    }

    /// Seeded windows from the files' text joined and tokenized; also the number of tokens.
    static func calibrationWindows(files: [String], tokenizer: any Tokenizer, count: Int, seqlen: Int,
                                   seed: UInt64) throws -> (windows: [[Int32]], tokens: Int) {
        let tokens = tokenizer.encode(try files.map { try TextFile.read($0) }.joined())
        guard tokens.count > seqlen else { throw CLIError("calibration text has \(tokens.count) tokens, not more than one window of \(seqlen)") }
        return (Calibration.windows(tokens, count: count, seqlen: seqlen, seed: seed), tokens.count)
    }

    /// data/text/austen_*.txt except the held-out Persuasion, sorted by name.
    static func defaultCalibrationFiles() throws -> [String] {
        let directory = "data/text"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw CLIError("no --calib given and no \(directory)/ here (run scripts/fetch-data.sh, or pass --calib FILE)")
        }
        let files = names.filter { $0.hasPrefix("austen_") && $0.hasSuffix(".txt") && $0 != "austen_persuasion.txt" }.sorted()
        guard !files.isEmpty else { throw CLIError("no calibration novels in \(directory)/") }
        return files.map { directory + "/" + $0 }
    }
}

extension PruningMethod: ExpressibleByArgument {}
