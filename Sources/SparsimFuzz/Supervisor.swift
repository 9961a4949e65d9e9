import Foundation

/// Runs a harness's mutants in a child process, one after another; when the child dies (a trap, a
/// signal) or stops answering (a hang), the input it was on is a finding, saved, and a new child
/// goes on with the next input.
struct Supervisor {
    let harness: any Harness
    let corpus: String
    /// The harness's seeds as the child reads them, to make a finding's input again.
    let seeds: [FuzzInput]
    let seed: UInt64
    let timeout: Double
    let findings: String

    struct Finding {
        let index: Int
        let kind: String      // crash, hang, or the problem with the message
        let detail: String    // the trap's message, or the error message
    }

    struct Report {
        let harness: String
        let inputs: Int
        let seconds: Double
        let findings: [Finding]

        var summary: String {
            var lines = [String(format: "%@: %d inputs in %.1f s (%.0f/s), %d findings", harness, inputs, seconds,
                                Double(inputs) / max(seconds, 1e-9), findings.count)]
            // One line per kind of finding (messages with their numbers blanked out), with a count.
            var classes: [String: (count: Int, first: Finding)] = [:]
            for finding in findings {
                let key = finding.kind + " " + finding.detail.replacingOccurrences(of: "[0-9]+", with: "N", options: .regularExpression)
                classes[key, default: (0, finding)].count += 1
            }
            for (_, value) in classes.sorted(by: { $0.value.first.index < $1.value.first.index }) {
                lines.append("  \(value.count)× \(value.first.kind) (first: input \(value.first.index)): \(value.first.detail.prefix(200))")
            }
            return lines.joined(separator: "\n")
        }
    }

    func run(count: Int) throws -> Report {
        let start = Date()
        let work = NSTemporaryDirectory() + "sparsim-fuzz-\(harness.name)-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        var next = 0
        var found: [Finding] = []
        while next < count {
            let child = try ChildProcess(arguments: ["child", harness.name, "--corpus", corpus, "--seed", String(seed),
                                                     "--from", String(next), "--count", String(count - next),
                                                     "--work", work + "/input"], stderr: work + ".stderr")
            var current: Int?
            var finished = false
            while let line = child.nextLine(timeout: timeout) {
                if line.hasPrefix("start "), let index = Int(line.dropFirst(6)) {
                    current = index
                } else if line.hasPrefix("bad ") {
                    let parts = line.split(separator: " ", maxSplits: 2)
                    let detail = parts.count > 2 ? String(parts[2]) : ""
                    let problem = detail.components(separatedBy: ": ").first ?? detail
                    found.append(Finding(index: Int(parts[1]) ?? -1, kind: problem, detail: detail))
                    try save(Int(parts[1]) ?? 0)
                } else if line == "done" {
                    finished = true
                }
            }
            let hung = !child.outputEnded
            child.stop()
            if finished { break }
            guard let index = current else {
                throw FuzzError("\(harness.name): the child process failed before its first input: \(child.crashSummary())")
            }
            found.append(Finding(index: index, kind: hung ? "hang" : "crash",
                                 detail: hung ? "more than \(timeout) s" : child.crashSummary()))
            try save(index)
            next = index + 1
        }
        return Report(harness: harness.name, inputs: count, seconds: Date().timeIntervalSince(start), findings: found)
    }

    /// Keeps the input of a finding as FINDINGS/seed-S-input-I (a folder, as the harness reads it),
    /// made again from the seed and the index (the child has moved on from it by now).
    private func save(_ index: Int) throws {
        try FuzzInputs.write(Mutants.input(index, of: seeds, harness: harness, seed: seed), to: findings + "/seed-\(seed)-input-\(index)")
    }
}

/// This executable started again as a child, its standard output read line by line with a timeout.
final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let lines = LineQueue()
    private let stderrPath: String

    init(arguments: [String], stderr: String) throws {
        stderrPath = stderr
        // This very binary, however it was started (by path, or found on PATH).
        process.executableURL = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]).absoluteURL
        process.arguments = arguments
        // The crashed thread's frames only, without colors or prompts: where a trap is is its class.
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["SWIFT_BACKTRACE": "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,limit=16"]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderr)
        try process.run()
        let reader = output.fileHandleForReading
        let queue = lines
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let end = pending.firstIndex(of: 10) {
                    queue.push(String(decoding: pending[pending.startIndex..<end], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...end)
                }
            }
            queue.close()
        }
    }

    /// The next line, or nil at the end of the output or after `timeout` seconds without one.
    func nextLine(timeout: Double) -> String? { lines.pop(timeout: timeout) }

    /// The child closed its output (it finished or died), as opposed to going silent.
    var outputEnded: Bool { lines.isClosed }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// What ended the child, as one line: the signal, the runtime's reason and the first frame in
    /// sparsim's own sources (file:line and function), e.g. "signal 4: arithmetic overflow at
    /// FullModel.swift:154 in FullModel.simulate(...)".
    func crashSummary() -> String {
        let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        let status = process.terminationReason == .uncaughtSignal ? "signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
        var parts = [status]
        if let reason = text.range(of: #"(Fatal error|Swift runtime failure|Program crashed): [^\n*]*"#, options: .regularExpression) {
            parts.append(String(text[reason]).trimmingCharacters(in: .whitespaces))
        }
        let frame = #"\d+ \[ra\][^\n]*? (\S+?)\([^\n]* at \S*/Sources/(Pruner|Traces|ViTCoDSim|SparsimSupport)/(\S+?):(\d+)"#
        if let match = try? NSRegularExpression(pattern: frame).firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
            let piece = { (group: Int) in String(text[Range(match.range(at: group), in: text)!]) }
            parts.append("at \(piece(2))/\(piece(3)):\(piece(4)) in \(piece(1))")
        } else if let last = text.split(separator: "\n").last {
            parts.append(String(last.prefix(200)))
        }
        return parts.joined(separator: ": ")
    }
}

/// Lines from the reader thread to the supervisor.
private final class LineQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var lines: [String] = []
    private var closed = false

    func push(_ line: String) {
        condition.lock()
        lines.append(line)
        condition.signal()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed && lines.isEmpty
    }

    func pop(timeout: Double) -> String? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while lines.isEmpty && !closed {
            if !condition.wait(until: deadline) { return nil }
        }
        return lines.isEmpty ? nil : lines.removeFirst()
    }
}
