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
        return !quickTier && (environment["SPARSIM_REQUIRE_ALL"] == "1" || environment["CI"] == "true")
    }

    /// `bash scripts/test.sh --quick` (SPARSIM_QUICK=1): the tests that need a real model, Python,
    /// h5dump or Chromium skip, whatever is installed, so the rest runs in a few minutes.
    public static var quickTier: Bool { ProcessInfo.processInfo.environment["SPARSIM_QUICK"] == "1" }

    /// The external tools the quick tier does without.
    static let slowTools: Set<String> = ["python3", "h5dump", "chromium"]

    struct SkippedInQuickTier: Error, CustomStringConvertible {
        let tool: String
        var description: String { "\(tool) is not run in the quick tier (SPARSIM_QUICK=1)" }
    }

    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
        if quickTier, executable == "/usr/bin/env" || executable == "/bin/bash", let tool = arguments.first,
           slowTools.contains(tool) || (executable == "/bin/bash" && arguments.joined().contains("python3")) {
            throw SkippedInQuickTier(tool: tool)
        }
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

    /// `python3 ARGUMENTS` under coreutils `timeout`, with the output in a file (so that a stray child
    /// process cannot hold a pipe open): a hung Python stack fails the test with a message instead of
    /// stalling the suite. (lm-eval forks a multiprocessing pool for bootstrapped standard errors while
    /// torch's threads run, which deadlocked now and then; reference_lm_eval.py turns that off with
    /// `bootstrap_iters=0`.)
    public static func pythonWithTimeout(_ arguments: [String], seconds: Int) throws -> ProcessResult {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sparsim-python-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let run = try run("/bin/bash", ["-c", "timeout -k 10 \(seconds) python3 \(quoted) > '\(log)' 2>&1"])
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let timedOut = run.status == 124 || run.status == 137
        return ProcessResult(status: run.status, stdout: output, stderr: timedOut ? "timed out after \(seconds) s\n" + output : output)
    }

    public static let hasH5py: Bool = (try? python(["-c", "import h5py, numpy"]).status) == 0
    public static let hasH5dump: Bool = (try? run("/usr/bin/env", ["h5dump", "--version"]).status) == 0
}
