import Foundation

/// Finds the traces shipped in the repository's `traces/` folder, from wherever sparsim runs.
enum DefaultTrace {
    /// The trace `simulate` uses without `--trace`.
    static let fileName = "smollm2-besa-row-50.h5"

    /// `$SPARSIM_TRACES`, else `traces/` in the current directory or above the executable
    /// (`swift run` puts it in `.build/<config>/`).
    static func directory() -> String? {
        if let override = ProcessInfo.processInfo.environment["SPARSIM_TRACES"] { return override }
        var candidates = [FileManager.default.currentDirectoryPath]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory.path)
            directory = directory.deletingLastPathComponent()
        }
        return candidates.map { $0 + "/traces" }.first {
            FileManager.default.fileExists(atPath: $0 + "/" + fileName)
        }
    }

    static func path() throws -> String {
        guard let directory = directory() else {
            throw CLIError("no --trace given and no traces/\(fileName) found (run from the repository, or set SPARSIM_TRACES)")
        }
        return directory + "/" + fileName
    }
}

/// A usage or input error: printed as one line, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
