import ArgumentParser
import Foundation

/// sparsim's fuzzer: seeded, structure-aware mutations of valid inputs for each of its readers,
/// run in a child process that the parent restarts after a crash or a hang.
@main
struct Fuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsim-fuzz",
        abstract: "Mutate valid inputs of every sparsim reader and report crashes, hangs and bad error messages.",
        discussion: """
            Each harness reads the seeds in CORPUS/HARNESS/seeds and runs mutant i of seed S (the \
            same input for the same S and i) through the reader as sparsim does. A refused input \
            must give one printable line of at most \(Verdict.longestMessage) characters; a trap, a \
            signal or a run longer than --timeout is a finding, and its input is saved. \
            Harnesses: \(Harnesses.all.map(\.name).joined(separator: ", ")).
            """,
        subcommands: [Run.self, Replay.self, Mutant.self, Child.self],
        defaultSubcommand: Run.self
    )
}

struct HarnessName: ExpressibleByArgument {
    let harness: any Harness
    init?(argument: String) {
        guard let harness = Harnesses.all.first(where: { $0.name == argument }) else { return nil }
        self.harness = harness
    }
    static var allValueStrings: [String] { Harnesses.all.map(\.name) }
}

struct CorpusOptions: ParsableArguments {
    @Option(help: "The corpus folder: HARNESS/seeds/ holds the seeds, HARNESS/regressions/ the findings kept.")
    var corpus = "Tests/FuzzCorpus"

    func seeds(of harness: any Harness) throws -> [FuzzInput] {
        Harnesses.corpus = corpus
        let folder = corpus + "/" + harness.name + "/seeds"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder), !names.isEmpty else {
            throw ValidationError("no seeds in \(folder)")
        }
        return try names.sorted().map { try FuzzInputs.read(folder + "/" + $0) }
    }
}

extension Fuzz {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fuzz one harness (or all) for a number of inputs.")

        @Argument(help: "The harnesses to run (default: all).") var harnesses: [HarnessName] = []
        @OptionGroup var corpus: CorpusOptions
        @Option(help: "Inputs per harness.") var count = 1000
        @Option(help: "The run's seed: mutant i of seed S is always the same input.") var seed: UInt64 = 0
        @Option(help: "Seconds one input may take before it counts as a hang.") var timeout = 10.0
        @Option(help: "Where the inputs of findings are saved (default: a temporary folder, printed).") var findings: String?

        func run() throws {
            let folder = findings ?? NSTemporaryDirectory() + "sparsim-fuzz-\(getpid())"
            var total = 0
            for harness in harnesses.isEmpty ? Harnesses.all : harnesses.map(\.harness) {
                // Read here (a missing corpus fails before any child starts) and kept to remake findings.
                let seeds = try corpus.seeds(of: harness)
                let report = try Supervisor(harness: harness, corpus: corpus.corpus, seeds: seeds, seed: seed, timeout: timeout,
                                            findings: folder + "/" + harness.name).run(count: count)
                print(report.summary)
                total += report.findings.count
            }
            if total > 0 {
                print("findings saved in \(folder) (replay one: sparsim-fuzz replay HARNESS PATH)")
                throw ExitCode.failure
            }
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a harness's reader on saved inputs (the regressions, or the seeds with --expect-success).")

        @Argument(help: "The harness.") var harness: HarnessName
        @Argument(help: "Inputs: files, or folders of files (default: the harness's regressions).") var inputs: [String] = []
        @OptionGroup var corpus: CorpusOptions
        @Flag(help: "Every input must be accepted (the seeds).") var expectSuccess = false

        func run() throws {
            Harnesses.corpus = corpus.corpus
            let folder = corpus.corpus + "/" + harness.harness.name + "/regressions"
            let paths = inputs.isEmpty
                ? ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { folder + "/" + $0 } : inputs
            var failures = 0
            let work = NSTemporaryDirectory() + "sparsim-fuzz-replay-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: work) }
            for path in paths {
                try FuzzInputs.write(try FuzzInputs.read(path), to: work)
                switch Attempt(harness: harness.harness, directory: work).outcome {
                case .accepted:
                    print("\(path): accepted")
                    if expectSuccess { continue }
                case .refused(let message):
                    print("\(path): refused: \(message)")
                    if !expectSuccess { continue }
                case .badMessage(let problem, let message):
                    print("\(path): \(problem): \(message.debugDescription.prefix(300))")
                }
                failures += 1
            }
            if failures > 0 { throw ExitCode.failure }
        }
    }

    struct Mutant: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write mutant INDEX of a run with SEED (e.g. to keep a finding as a regression).")

        @Argument(help: "The harness.") var harness: HarnessName
        @OptionGroup var corpus: CorpusOptions
        @Option(help: "The run's seed.") var seed: UInt64 = 0
        @Option(help: "The mutant's index in the run.") var index: Int
        @Option(help: "The folder to write its files into (replaced).") var out: String

        func run() throws {
            try FuzzInputs.write(Mutants.input(index, of: try corpus.seeds(of: harness.harness), harness: harness.harness, seed: seed), to: out)
        }
    }

    /// The child process of `run`: mutants from..<from+count, one "start i" line before each.
    struct Child: ParsableCommand {
        static let configuration = CommandConfiguration(shouldDisplay: false)

        @Argument var harness: HarnessName
        @OptionGroup var corpus: CorpusOptions
        @Option var seed: UInt64
        @Option var from: Int
        @Option var count: Int
        @Option var work: String

        func run() throws {
            let seeds = try corpus.seeds(of: harness.harness)
            for index in from..<from + count {
                try FuzzInputs.write(Mutants.input(index, of: seeds, harness: harness.harness, seed: seed), to: work)
                emit("start \(index)")
                if case .badMessage(let problem, let message) = Attempt(harness: harness.harness, directory: work).outcome {
                    emit("bad \(index) \(problem): \(message.debugDescription.prefix(300))")
                }
            }
            emit("done")
        }

        /// A line to the supervisor, written at once (print's buffer would still hold it when a trap ends us).
        private func emit(_ line: String) {
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}

/// One input through one reader.
struct Attempt {
    enum Outcome {
        case accepted
        case refused(String)
        case badMessage(problem: String, message: String)
    }

    let outcome: Outcome

    init(harness: any Harness, directory: String) {
        do {
            try harness.run(directory)
            outcome = .accepted
        } catch {
            let message = String(describing: error)
            outcome = Verdict.problem(with: message).map { .badMessage(problem: $0, message: message) } ?? .refused(message)
        }
    }
}

enum Mutants {
    /// Mutant `index` of a run with `seed`: one to three mutations of a seed drawn from the same generator.
    static func input(_ index: Int, of seeds: [FuzzInput], harness: any Harness, seed: UInt64) -> FuzzInput {
        var mutator = Mutator(seed: seed, index: index)
        var input = seeds[mutator.below(seeds.count)]
        for _ in 0..<(1 + mutator.below(3)) { input = harness.mutate(input, using: &mutator) }
        return input
    }
}
