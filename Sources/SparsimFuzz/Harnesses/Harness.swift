import Foundation

/// One input: the files of a directory by name (one file for most readers; config.json,
/// tokenizer.json and model.safetensors for a Hugging Face model).
typealias FuzzInput = [String: Data]

/// A reader under test: how its seeds are mutated and how it is run on one input, in process,
/// as the command-line tool runs it (load, then use what was loaded).
protocol Harness: Sendable {
    /// The name on the command line and of its corpus folder.
    var name: String { get }
    /// What the reader reads, for `--help`.
    var summary: String { get }
    /// A mutant of `seed`.
    func mutate(_ seed: FuzzInput, using mutator: inout Mutator) -> FuzzInput
    /// Reads the input in `directory` (written there from a `FuzzInput`) and uses it; throws the
    /// reader's error for an input it refuses.
    func run(_ directory: String) throws
}

extension Harness {
    /// A mutant of one file of the input, chosen at random, by `mutateFile`.
    func mutatingOneFile(_ seed: FuzzInput, using mutator: inout Mutator,
                         _ mutateFile: (String, Data, inout Mutator) -> Data) -> FuzzInput {
        var input = seed
        let name = mutator.pick(seed.keys.sorted())
        input[name] = mutateFile(name, seed[name]!, &mutator)
        return input
    }

    /// The path of the input's only file, or of the named one.
    func file(in directory: String, _ name: String) -> String { directory + "/" + name }
}

enum FuzzInputs {
    /// Reads a seed or a saved finding: a directory of files, or one file (named as it is).
    static func read(_ path: String) throws -> FuzzInput {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FuzzError("\(path): no such file or directory")
        }
        guard isDirectory.boolValue else {
            return [URL(fileURLWithPath: path).lastPathComponent: try Data(contentsOf: URL(fileURLWithPath: path))]
        }
        var input: FuzzInput = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
            input[name] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
        }
        return input
    }

    /// Replaces the contents of `directory` with the input's files.
    static func write(_ input: FuzzInput, to directory: String) throws {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, data) in input { try data.write(to: URL(fileURLWithPath: directory + "/" + name)) }
    }
}

struct FuzzError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
