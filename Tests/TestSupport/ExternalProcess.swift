import Foundation

/// What a finished process printed, and how it ended.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public var output: String { stdout + stderr }
}

/// Runs programs the tests compare against or drive: the built `sparsim`, python3 with h5py and
/// NumPy, h5dump.
public enum ExternalProcess {
    /// Under scripts/test.sh (SPARSIM_REQUIRE_ALL=1, which installs every tool, package and model
    /// first) and in CI, a missing tool or data file fails a test instead of skipping it.
    public static var mustRunEverything: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["SPARSIM_REQUIRE_ALL"] == "1" || environment["CI"] == "true"
    }

    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain stderr on another thread so that neither pipe can fill up and block the child.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `python3 ARGUMENTS`, found on PATH.
    public static func python(_ arguments: [String]) throws -> ProcessResult {
        try run("/usr/bin/env", ["python3"] + arguments)
    }

    /// `python3 ARGUMENTS` for a script that may hang: lm-eval's Python stack (datasets, torch)
    /// forks worker processes, and once in a while a fork inherits a held lock and never returns.
    /// Runs under coreutils `timeout` with the output in a file (so that an orphaned worker cannot
    /// hold the pipe open), and tries once more if the first run timed out.
    public static func pythonWithTimeout(_ arguments: [String], seconds: Int, attempts: Int = 2) throws -> ProcessResult {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sparsim-python-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        var result = ProcessResult(status: -1, stdout: "", stderr: "not run")
        for _ in 0..<attempts {
            let run = try run("/bin/bash", ["-c", "timeout -k 10 \(seconds) python3 \(quoted) > '\(log)' 2>&1"])
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            result = ProcessResult(status: run.status, stdout: output, stderr: run.status == 124 || run.status == 137
                                   ? "timed out after \(seconds) s\n" + output : output)
            guard run.status == 124 || run.status == 137 else { break }
        }
        return result
    }

    public static let hasH5py: Bool = (try? python(["-c", "import h5py, numpy"]).status) == 0
    public static let hasH5dump: Bool = (try? run("/usr/bin/env", ["h5dump", "--version"]).status) == 0
}
