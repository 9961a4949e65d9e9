import Foundation
import SparsimSupport
import Pruner
import Traces

/// The finished blocks of a `prune --resumable` run, one small trace per block in `OUT.checkpoint/`,
/// so that an interrupted run can continue with `--resume` instead of starting over.
///
/// Each block file is written atomically once its block is done, with the layers exactly as the
/// pruner produced them (updated weights included even with --masks-only: the next blocks' inputs
/// are computed from them). `run.json` holds the model and the recipe; a run with another model or
/// recipe refuses the folder. The folder is removed once the trace is in place.
struct PruneCheckpoint {
    /// What a checkpoint is the run of.
    private struct Run: Codable {
        var model: String
        var recipe: PruneRecipe
    }

    let directory: String
    let settings: String

    init(out: String, model: String, recipe: PruneRecipe) {
        directory = out + ".checkpoint"
        settings = StableJSON.text(of: Run(model: model, recipe: recipe)) + "\n"
    }

    private var settingsFile: String { directory + "/run.json" }
    private func blockFile(_ block: Int) -> String { directory + String(format: "/block-%04d.h5", block) }

    var exists: Bool { FileManager.default.fileExists(atPath: directory) }

    /// Starts a new checkpoint folder; an existing one is an interrupted run the user may want.
    func create() throws {
        guard !exists else {
            throw CLIError("\(directory) holds the checkpoint of an interrupted run: add --resume to continue it, or remove it")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try AtomicFile.write(Data(settings.utf8), to: settingsFile)
    }

    /// The finished blocks' layers, in block order, after checking that they come from a run with
    /// the same settings.
    func load(blocks: Int) throws -> [[TraceLayer]] {
        guard exists else { throw CLIError("--resume: no checkpoint at \(directory) (was the run started with --resumable?)") }
        guard let recorded = FileManager.default.contents(atPath: settingsFile).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw CLIError("\(settingsFile): missing; not a checkpoint folder")
        }
        guard recorded == settings else {
            let setting = { (line: Substring) in line.trimmingCharacters(in: CharacterSet(charactersIn: " ,")) }
            let first = zip(recorded.split(separator: "\n"), settings.split(separator: "\n")).first { $0 != $1 }.map { (setting($0), setting($1)) }
            throw CLIError("\(directory) was written with other settings (\(first.map { "\($0.0) vs now \($0.1)" } ?? "different settings")): "
                           + "rerun with the same ones, or remove it")
        }
        var finished: [[TraceLayer]] = []
        while finished.count < blocks, FileManager.default.fileExists(atPath: blockFile(finished.count)) {
            let trace = try Trace.read(from: blockFile(finished.count))
            guard trace.layers.allSatisfy({ $0.id.block == finished.count }), !trace.layers.isEmpty else {
                throw CLIError("\(blockFile(finished.count)): does not hold block \(finished.count)")
            }
            finished.append(trace.layers)
        }
        return finished
    }

    /// Records one finished block.
    func save(_ layers: [TraceLayer], block: Int, metadata: TraceMetadata) throws {
        try Trace(metadata: metadata, layers: layers).write(to: blockFile(block))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
