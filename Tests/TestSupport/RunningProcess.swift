import Foundation

/// A child process the test signals mid-run: its standard output is collected as it comes, so a
/// test can wait for a progress line (a state the program reports) before it acts, instead of
/// guessing how long the work takes.
public final class RunningProcess: @unchecked Sendable {
    public let process = Process()
    private let lock = NSLock()
    private var output = Data()
    private let reader: Thread

    public init(_ executable: URL, _ arguments: [String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let handle = pipe.fileHandleForReading
        nonisolated(unsafe) var append: (Data) -> Void = { _ in }
        reader = Thread {
            while case let chunk = handle.availableData, !chunk.isEmpty { append(chunk) }
        }
        append = { [unowned self] chunk in lock.withLock { output.append(chunk) } }
        try process.run()
        reader.start()
    }

    public var stdout: String { lock.withLock { String(decoding: output, as: UTF8.self) } }

    /// Waits until the output contains `text`; false if the process ended first or `seconds` passed.
    public func waitForOutput(containing text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stdout.contains(text) { return true }
            if !process.isRunning { return stdout.contains(text) }
            usleep(2_000)
        }
        return false
    }

    /// Sends `signal` and waits for the process to end.
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }
}
