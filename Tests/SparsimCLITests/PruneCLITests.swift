import Foundation
import Pruner
import SparsimSupport
import Testing
import TestSupport
import Traces

/// `sparsim prune` end to end, on a tiny random model written as a Hugging Face directory (the
/// shipped model would take minutes in a debug build; README's experiments run it in release).
@Suite struct PruneCLITests {
    static let text = String(repeating: "the theory that the thin thread of the tale is there; ", count: 60)

    @Test func wandaWritesATraceWithExactRowCountsAndItsPerplexity() throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("tiny"))
        try Self.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["prune", "--model", folder.file("tiny"), "--method", "wanda", "--sparsity", "0.5",
                                  "--calib", folder.file("text.txt"), "--samples", "4", "--seqlen", "32", "--out", folder.file("w.h5"),
                                  "--save-model", folder.file("pruned"), "--eval", folder.file("text.txt"), "--eval-seqlen", "64"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("block  2/2"))
        let trace = try Trace.read(from: folder.file("w.h5"))
        #expect(trace.metadata.method == "wanda" && trace.metadata.seqlen == 32 && trace.metadata.calibrationSamples == 4)
        #expect(trace.config["hidden_size"] == .int(32))
        #expect(trace.layers.count == 14)
        for layer in trace.layers {
            #expect(layer.mask.rowCounts().allSatisfy { $0 == layer.mask.cols - layer.mask.cols / 2 })
            #expect(layer.weight == nil)
        }
        let perplexity = try #require(trace.metrics["perplexity"])
        #expect(trace.metrics["perplexity_seqlen"] == 64)
        #expect(trace.metrics["peak_memory_mib"] != nil)
        // The saved model, and the trace applied to the original, give the recorded perplexity.
        for model in [["--model", folder.file("pruned")], ["--model", folder.file("tiny"), "--trace", folder.file("w.h5")]] {
            let eval = try CLI.run(["eval"] + model + ["--data", folder.file("text.txt"), "--seqlen", "64"])
            #expect(eval.status == 0, "\(eval.stderr)")
            #expect(eval.stdout.contains(String(format: "perplexity  %.4f", perplexity)), "\(eval.stdout)")
        }
    }

    /// --eval-task records, under the file's name, the scores `eval --task` gives the same masks.
    @Test func evalTaskRecordsWhatEvalReports() throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("tiny"))
        try Self.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        let items = (0..<6).map { index in
            #"{"context": "the theory that the \#(index)", "choices": [" thin thread", " tale is", " there; the"], "label": \#(index % 3)}"#
        }
        try (items.joined(separator: "\n") + "\n").write(toFile: folder.file("tiny-choices.jsonl"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["prune", "--model", folder.file("tiny"), "--method", "wanda", "--calib", folder.file("text.txt"),
                                  "--samples", "2", "--seqlen", "32", "--out", folder.file("w.h5"),
                                  "--eval-task", folder.file("tiny-choices.jsonl"), "--eval-task-limit", "5"])
        try #require(result.status == 0, "\(result.stderr)")
        let metrics = try Trace.read(from: folder.file("w.h5")).metrics
        #expect(metrics["task_tiny-choices_items"] == 5)
        let eval = try CLI.run(["eval", "--model", folder.file("tiny"), "--trace", folder.file("w.h5"),
                                "--task", folder.file("tiny-choices.jsonl"), "--limit", "5"])
        try #require(eval.status == 0, "\(eval.stderr)")
        for metric in ["acc", "acc_norm"] {
            let recorded = try #require(metrics["task_tiny-choices_\(metric)"], "\(metrics)")
            #expect(eval.stdout.contains(metric.padding(toLength: 11, withPad: " ", startingAt: 0) + " " + String(format: "%.4f", recorded)),
                    "\(metric) \(recorded) vs \(eval.stdout)")
        }
    }

    /// --calib-ids with the windows the seeded draw would pick gives the same masks and the same
    /// recorded fingerprint; a different set of windows a different fingerprint.
    @Test func calibrationIDsReplaceTheSeededDraw() throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("tiny"))
        try Self.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        let tokens = try ModelLoader.load(folder.file("tiny")).tokenizer.encode(Self.text)
        let windows = Calibration.windows(tokens, count: 4, seqlen: 32, seed: 5)
        try NPY.write(windows, to: folder.file("ids.npy"))
        try NPY.write(windows.reversed(), to: folder.file("reversed.npy"))
        let common = ["prune", "--model", folder.file("tiny"), "--method", "wanda"]
        let runs = [(["--calib", folder.file("text.txt"), "--samples", "4", "--seqlen", "32", "--seed", "5"], "seeded.h5"),
                    (["--calib-ids", folder.file("ids.npy")], "ids.h5"), (["--calib-ids", folder.file("reversed.npy")], "reversed.h5")]
        var traces: [Trace] = []
        for (arguments, name) in runs {
            let result = try CLI.run(common + arguments + ["--out", folder.file(name)])
            #expect(result.status == 0, "\(result.stderr)")
            traces.append(try Trace.read(from: folder.file(name)))
        }
        #expect(traces[0].metadata.calibrationSHA256 == Calibration.fingerprint(windows))
        #expect(traces[1].metadata.calibrationSHA256 == traces[0].metadata.calibrationSHA256)
        #expect(traces[2].metadata.calibrationSHA256 != traces[0].metadata.calibrationSHA256)
        #expect(traces[1].metadata.calibrationSamples == 4 && traces[1].metadata.seqlen == 32)
        #expect(traces[1].layers.map(\.mask) == traces[0].layers.map(\.mask))
        let clash = try CLI.run(common + ["--calib-ids", folder.file("ids.npy"), "--samples", "4", "--out", folder.file("x.h5")])
        #expect(clash.status != 0 && clash.stderr.contains("--calib-ids gives the windows"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("x.h5")))
    }

    /// SIGINT/SIGTERM mid-run (the trace's temporary file exists, a block is being learned): the
    /// process dies of the signal and leaves neither the trace nor its hidden temporary file.
    @Test(arguments: [SIGINT, SIGTERM])
    func anInterruptedRunLeavesNothingBehind(signal: Int32) throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("tiny"))
        try Self.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["prune", "--model", folder.file("tiny"), "--method", "besa", "--epochs", "100000",
                             "--calib", folder.file("text.txt"), "--samples", "4", "--seqlen", "32", "--out", folder.file("b.h5")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        func temporaryFiles() throws -> [String] { try folder.contents().filter { $0.hasPrefix(".b.h5.") } }
        let deadline = Date().addingTimeInterval(60)
        while try temporaryFiles().isEmpty, process.isRunning, Date() < deadline { usleep(20_000) }
        #expect(try temporaryFiles().count == 1, "the run never started writing its trace")
        kill(process.processIdentifier, signal)
        let exitDeadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < exitDeadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("still running 30 s after the signal")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal)
        #expect(try folder.contents().sorted() == ["text.txt", "tiny"])
    }

    /// A --resumable BESA run (with the least-squares update, so the trace holds weights) stopped by
    /// SIGTERM while its second block is being learned keeps block 0's checkpoint and nothing else;
    /// --resume finishes it, and the trace equals an uninterrupted run's bit for bit.
    @Test func aResumedRunWritesTheTraceOfAnUninterruptedOne() throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("tiny"))
        try Self.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        // Enough epochs that a block takes a while, so the signal lands inside block 1.
        func arguments(_ out: String) -> [String] {
            ["prune", "--model", folder.file("tiny"), "--method", "besa", "--epochs", "400", "--update-weights", "lstsq",
             "--calib", folder.file("text.txt"), "--samples", "4", "--seqlen", "32", "--out", folder.file(out), "--resumable"]
        }
        let whole = try CLI.run(arguments("whole.h5"))
        try #require(whole.status == 0, "\(whole.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("whole.h5.checkpoint")), "a finished run removes its checkpoint")

        // Block 0's progress line comes after its checkpoint is written: signal as soon as it shows.
        let run = try RunningProcess(CLI.executable, arguments("resumed.h5"))
        #expect(run.waitForOutput(containing: "block  1/2", seconds: 120), "no progress line for block 0: \(run.stdout)")
        run.signal(SIGTERM)
        let process = run.process
        try #require(process.terminationReason == .uncaughtSignal, "the run ended before the signal (\(process.terminationStatus))")
        #expect(try folder.contents().sorted() == ["resumed.h5.checkpoint", "text.txt", "tiny", "whole.h5"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("resumed.h5.checkpoint")).sorted() == ["block-0000.h5", "run.json"])

        // The same command again refuses to overwrite the checkpoint; other settings refuse to resume it.
        let again = try CLI.run(arguments("resumed.h5"))
        #expect(again.status != 0 && again.stderr.contains("add --resume to continue it"), "\(again.stderr)")
        let other = try CLI.run(arguments("resumed.h5") + ["--lambda", "4", "--resume"])
        #expect(other.status != 0 && other.stderr.contains("\"lambda\" : 5 vs now \"lambda\" : 4"), "\(other.stderr)")

        let resumed = try CLI.run(arguments("resumed.h5") + ["--resume"])
        try #require(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming after block 1 of 2") && resumed.stdout.contains("from the checkpoint"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("resumed.h5.checkpoint")))
        let (a, b) = (try Trace.read(from: folder.file("whole.h5")), try Trace.read(from: folder.file("resumed.h5")))
        #expect(a.metadata == b.metadata)
        #expect(a.layers.count == 14 && a.layers.allSatisfy { $0.weight != nil })
        let differing = zip(a.layers, b.layers).filter { $0 != $1 }.map { "\($0.0.id)" }
        #expect(a.layers.count == b.layers.count && differing.isEmpty, "masks, weights or learned sparsities differ in \(differing)")
        let missing = try CLI.run(arguments("none.h5").dropLast() + ["--resume"])
        #expect(missing.status != 0 && missing.stderr.contains("no checkpoint at"), "\(missing.stderr)")
    }

    @Test(arguments: [false, true])
    func sparseGPTStoresItsUpdatedWeightsUnlessMasksOnly(masksOnly: Bool) throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("tiny"))
        try Self.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["prune", "--model", folder.file("tiny"), "--method", "sparsegpt", "--pattern", "2:4",
                                  "--calib", folder.file("text.txt"), "--samples", "4", "--seqlen", "32", "--out", folder.file("s.h5")]
                                 + (masksOnly ? ["--masks-only"] : []))
        #expect(result.status == 0, "\(result.stderr)")
        let trace = try Trace.read(from: folder.file("s.h5"))
        #expect(trace.metadata.pattern == .nOfM(n: 2, m: 4) && trace.metadata.targetSparsity == 0.5)
        for layer in trace.layers {
            #expect(layer.mask.nonzeroCount * 2 == layer.mask.count)
            if masksOnly {
                #expect(layer.weight == nil)
                continue
            }
            let weight = try #require(layer.weight)
            for (keep, value) in zip(layer.mask.toBools(), weight) where !keep { #expect(value == 0) }
        }
    }

    @Test func besaRecordsItsLearnedSparsitiesAndHitsTheTarget() throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("tiny"))
        try Self.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["prune", "--model", folder.file("tiny"), "--method", "besa", "--granularity", "row",
                                  "--calib", folder.file("text.txt"), "--samples", "4", "--seqlen", "32", "--out", folder.file("b.h5")])
        #expect(result.status == 0, "\(result.stderr)")
        // One progress line per block with the loss and the learned block sparsity.
        #expect(result.stdout.split(separator: "\n").filter { $0.hasPrefix("block ") && $0.contains("loss") && $0.contains("learned") }.count == 2)
        let trace = try Trace.read(from: folder.file("b.h5"))
        // By default BESA's kept weights are solved by least squares, and the trace carries them.
        #expect(trace.metadata.method == "besa-row+lstsq")
        #expect(trace.layers.allSatisfy { $0.weight != nil })
        for block in 0..<2 {
            let layers = trace.layers.filter { $0.id.block == block }
            let pruned = layers.reduce(0) { $0 + $1.mask.count - $1.mask.nonzeroCount }, total = layers.reduce(0) { $0 + $1.mask.count }
            #expect(abs(Double(pruned) / Double(total) - 0.5) <= 0.005)
            for layer in layers { #expect(layer.learnedSparsity?.count == layer.mask.rows) }
        }
    }

    /// RTN alone, Wanda then RTN, and BESA with jointly learned clipping: each trace holds weights on
    /// the grid, `eval --trace` reproduces the recorded perplexity, and `simulate` reads the width.
    @Test(arguments: [["--method", "rtn"], ["--method", "wanda", "--group-size", "16"], ["--method", "besa"]])
    func quantizedTracesReproduceTheirPerplexity(method: [String]) throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("tiny"))
        try Self.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["prune", "--model", folder.file("tiny"), "--wbits", "4", "--calib", folder.file("text.txt"),
                                  "--samples", "4", "--seqlen", "32", "--out", folder.file("q.h5"), "--eval", folder.file("text.txt"),
                                  "--eval-seqlen", "64"] + method)
        try #require(result.status == 0, "\(result.stderr)")
        let trace = try Trace.read(from: folder.file("q.h5"))
        let expectedName = ["rtn": "rtn-w4", "wanda": "wanda+w4-rtng16", "besa": "besa-row+w4-joint"][method[1]]!
        #expect(trace.metadata.method == expectedName)
        for layer in trace.layers {
            let groupSize = method.contains("--group-size") ? 16 : 0
            #expect(layer.quantization == WeightQuantization(bits: 4, groupSize: groupSize))
            let weight = try #require(layer.weight)
            let cols = layer.mask.cols, size = groupSize == 0 ? cols : groupSize
            for row in 0..<layer.mask.rows {
                for start in stride(from: 0, to: cols, by: size) {
                    #expect(Set(weight[(row * cols + start)..<(row * cols + min(start + size, cols))]).count <= 16)
                }
            }
            if method[1] == "rtn" { #expect(layer.mask.nonzeroCount == layer.mask.count) }
        }
        let perplexity = try #require(trace.metrics["perplexity"])
        let eval = try CLI.run(["eval", "--model", folder.file("tiny"), "--trace", folder.file("q.h5"), "--data", folder.file("text.txt"),
                                "--seqlen", "64"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains(String(format: "perplexity  %.4f", perplexity)), "\(eval.stdout)")
        let info = try CLI.run(["trace", "info", folder.file("q.h5")])
        #expect(info.stdout.contains(method.contains("--group-size") ? "4-bit groups of 16" : "4-bit per channel"), "\(info.stdout)")
        #expect(info.stdout.contains("learned ŝ") == (method[1] == "besa"))
        let simulate = try CLI.run(["simulate", "--trace", folder.file("q.h5"), "--tokens", "1", "--format", "csv"])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let bytesColumn = simulate.stdout.split(separator: "\n")[0].split(separator: ",").firstIndex(of: "weight_value_bytes")!
        let firstLayer = simulate.stdout.split(separator: "\n")[1].split(separator: ",")
        let layer = trace.layers[0]
        // Dense columns are stored whole and sparse ones as kept values, all at 4 bits: at most C_out·C_in/2 bytes.
        #expect(Double(firstLayer[bytesColumn])! <= Double(layer.mask.count) / 2)
    }

    @Test func badOptionsLeaveNothingBehind() throws {
        let folder = try TemporaryDirectory()
        try TinyModels.writeHuggingFace(to: folder.file("tiny"))
        try Self.text.write(toFile: folder.file("text.txt"), atomically: true, encoding: .utf8)
        let base = ["prune", "--model", folder.file("tiny"), "--out", folder.file("t.h5"), "--calib", folder.file("text.txt"),
                    "--samples", "1", "--seqlen", "16"]
        for (extra, problem) in [
            (["--method", "wanda", "--pattern", "3:7"], "3:7 does not divide C_in = 32"),
            (["--method", "wanda", "--sparsity", "1"], "--sparsity 1.0 is outside [0, 1)"),
            (["--method", "wanda", "--pattern", "4:2"], "neither 'unstructured' nor N:M"),
            (["--method", "optimal"], "optimal"),
            (["--method", "besa", "--optimizer", "sgd"], "The value 'sgd' is invalid for '--optimizer"),
            (["--method", "besa", "--pattern", "2:4"], "BESA learns unstructured sparsity"),
            (["--method", "rtn"], "--method rtn needs --wbits"),
            (["--method", "rtn", "--wbits", "4", "--masks-only"], "--masks-only would drop the quantized weights"),
            (["--method", "wanda", "--wbits", "9"], "--wbits 9 is outside 2...8"),
            (["--method", "wanda", "--wbits", "4", "--quantization", "joint"], "--quantization joint learns clipping with BESA"),
            (["--method", "wanda", "--calib", folder.file("none.txt")], "none.txt: no such file"),
            (["--method", "wanda", "--seqlen", "4096"], "exceeds the model's context of 128"),
            (["--method", "besa", "--update-weights", "obs"], "The value 'obs' is invalid for '--update-weights <update-weights>'. Please provide one of 'none', 'sparsegpt', 'lstsq' or 'reprune'"),
            (["--method", "magnitude", "--update-weights", "lstsq"], "--update-weights needs calibration data"),
            (["--method", "besa", "--wbits", "4", "--update-weights", "lstsq"], "would undo the jointly learned quantization"),
            (["--method", "besa", "--importance", "random"], "The value 'random' is invalid for '--importance"),
            (["--method", "besa", "--parameterization", "tanh"], "Please provide one of 'sigmoid-softmax' and 'softmax'"),
            (["--method", "besa", "--parameterisation", "tanh"], "The value 'tanh' is invalid for '--parameterisation"),  // the old spelling
            (["--method", "besa", "--candidates", "1"], "--candidates must be at least 2"),
            (["--method", "besa", "--lambda", "inf"], "--lambda inf is not a finite number ≥ 0"),
            (["--method", "wanda", "--eval-task", folder.file("none.jsonl")], "none.jsonl: no such file"),
            (["--method", "wanda", "--eval-task", folder.file("text.txt")], "text.txt: line 1: not a JSON object"),
            (["--method", "wanda", "--eval-task", "a/x.jsonl", "--eval-task", "b/x.jsonl"], "--eval-task files need different names"),
        ] {
            let result = try CLI.run(base + extra)
            #expect(result.status != 0)
            #expect(result.stderr.contains(problem), "\(extra): \(result.stderr)")
        }
        #expect(try folder.contents() == ["text.txt", "tiny"])
    }
}
