import ArgumentParser
import Foundation
import Pruner
import SparsimSupport
import Traces

/// `sparsim task ...`: zero-shot task files.
struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Make zero-shot task files (score them with `sparsim eval --task`).",
        subcommands: [TaskMake.self]
    )
}

/// `sparsim task make`: an offline task from a held-out text.
struct TaskMake: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make",
        abstract: "Make a zero-shot task from a text, deterministically from a seed.",
        discussion: """
            cloze: LAMBADA-style, paragraphs of 20 to 250 words cut after a last word (four or more \
            letters) that already occurred in the paragraph; scored by greedy match of that word \
            (lambada format). endings: HellaSwag-style, two consecutive sentences and four candidate \
            next sentences, the right one and three of similar length from other paragraphs (choices \
            format). Use a text the model was not calibrated on (data/text/austen_persuasion.txt).
            """
    )

    @Option(name: .customLong("from"), help: "The text to make the task from.")
    var source: String = "data/text/austen_persuasion.txt"

    @Option(help: "cloze or endings.")
    var kind: TaskMaker.Kind

    @Option(help: "Number of items (fewer if the text has fewer candidates).")
    var count: Int = 500

    @Option(help: "Seed of the item draw.")
    var seed: UInt64 = 0

    @Option(help: "The JSON-lines file to write.")
    var out: String

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let lines = TaskMaker.make(kind, from: try TextFile.read(source), count: count, seed: seed)
        guard !lines.isEmpty else { throw CLIError("\(source): no \(kind.rawValue) items in this text") }
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: out)
        print("wrote \(out): \(lines.count) \(kind.rawValue) items from \(source), seed \(seed)")
    }
}

extension TaskMaker.Kind: ExpressibleByArgument {}
