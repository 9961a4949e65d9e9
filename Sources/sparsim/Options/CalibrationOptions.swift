import ArgumentParser
import Foundation
import Pruner

/// Where `prune`'s calibration windows come from: seeded windows of text files, or token ids.
struct CalibrationOptions: ParsableArguments {
    @Option(name: .customLong("calib"), help: "Calibration text file; repeatable. (default: data/text/austen_*.txt except Persuasion)")
    var files: [String] = []

    @Option(help: "Number of calibration windows. (default: 128)")
    var samples: Int?

    @Option(help: "Calibration window length in tokens (default: the model's context or 2048, whichever is smaller).")
    var seqlen: Int?

    @Option(help: "Seed of the calibration window offsets. (default: 0)")
    var seed: UInt64?

    @Option(name: .customLong("calib-ids"),
            help: "Calibration windows as token ids: a NumPy .npy int32/int64 array [windows, seqlen] (np.save). Replaces --calib, --samples, --seqlen and --seed.")
    var tokenIDs: String?

    func validate() throws {
        if let samples, samples < 1 { throw ValidationError("--samples must be at least 1") }
        if let seqlen, seqlen < 2 { throw ValidationError("--seqlen must be at least 2") }
        if tokenIDs != nil, !files.isEmpty || samples != nil || seqlen != nil || seed != nil {
            throw ValidationError("--calib-ids gives the windows; drop --calib, --samples, --seqlen and --seed")
        }
    }

    /// The windows (none when `needed` is false) and their length, which is also --eval's default
    /// one: the ids file's, or --seqlen, or the model's context up to 2048. Prints what it read.
    func windows(for loaded: LoadedModel, needed: Bool) throws -> (windows: [[Int32]], seqlen: Int, recipe: CalibrationRecipe?) {
        let config = loaded.model.config
        var windows: [[Int32]] = []
        var length = seqlen ?? min(config.maxPositions, 2048)
        if needed, let tokenIDs {
            windows = try TokenWindowsFile.read(tokenIDs, vocabularySize: config.vocabularySize)
            length = windows[0].count
        }
        guard length <= config.maxPositions else {
            let what = tokenIDs.map { "\($0): a window of \(length) tokens" } ?? "--seqlen \(length)"
            throw CLIError("\(what) exceeds the model's context of \(config.maxPositions)")
        }
        guard needed else { return ([], length, nil) }
        let source: CalibrationRecipe.Source
        if let tokenIDs {
            source = .tokenIDs(file: tokenIDs)
            print("calibration: \(windows.count) windows × \(length) tokens from \(tokenIDs)")
        } else {
            let files = try files.isEmpty ? Self.defaultFiles() : files
            let (count, seed) = (samples ?? 128, seed ?? 0)
            let tokenCount: Int
            (windows, tokenCount) = try Self.textWindows(files: files, tokenizer: loaded.tokenizer, count: count, seqlen: length, seed: seed)
            source = .text(files: files, seed: seed)
            print("calibration: \(count) windows × \(length) tokens from \(files.count) file(s), \(tokenCount) tokens, seed \(seed)")
        }
        let fingerprint = Calibration.fingerprint(windows)
        print("calibration sha256 \(fingerprint)")
        return (windows, length, CalibrationRecipe(source: source, windows: windows.count, seqlen: length, sha256: fingerprint))
    }

    /// Seeded windows from the files' text joined and tokenized; also the number of tokens.
    static func textWindows(files: [String], tokenizer: any Tokenizer, count: Int, seqlen: Int,
                            seed: UInt64) throws -> (windows: [[Int32]], tokens: Int) {
        let tokens = tokenizer.encode(try files.map { try TextFile.read($0) }.joined())
        guard tokens.count > seqlen else { throw CLIError("calibration text has \(tokens.count) tokens, not more than one window of \(seqlen)") }
        return (Calibration.windows(tokens, count: count, seqlen: seqlen, seed: seed), tokens.count)
    }

    /// data/text/austen_*.txt except the held-out Persuasion, sorted by name.
    static func defaultFiles() throws -> [String] {
        let directory = "data/text"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw CLIError("no --calib given and no \(directory)/ here (run scripts/fetch-data.sh, or pass --calib FILE)")
        }
        let files = names.filter { $0.hasPrefix("austen_") && $0.hasSuffix(".txt") && $0 != "austen_persuasion.txt" }.sorted()
        guard !files.isEmpty else { throw CLIError("no calibration novels in \(directory)/") }
        return files.map { directory + "/" + $0 }
    }
}
