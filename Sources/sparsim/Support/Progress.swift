@preconcurrency import Glibc
import Foundation
import SparsimSupport
import Traces

/// Progress on stderr for long work: a line rewritten in place on a terminal, nothing otherwise
/// (so that piped and captured output stays clean). Safe to advance from several threads.
final class Progress: @unchecked Sendable {
    let total: Int
    let label: String
    private let enabled = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var done = 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    /// Counts one item as done.
    func advance(_ detail: String) {
        lock.withLock {
            done += 1
            show(detail)
        }
    }

    /// Shows the item being started (single-threaded loops).
    func update(_ done: Int, _ detail: String) {
        lock.withLock {
            self.done = done
            show(detail)
        }
    }

    private func show(_ detail: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label) \(done)/\(total) \(detail)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Writes `text` to `path` atomically, or to stdout when `path` is nil.
func emit(_ text: String, to path: String?) throws {
    guard let path else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        return
    }
    do {
        try AtomicFile.write(Data(text.utf8), to: path)
    } catch {
        throw CLIError("\(path): cannot write (\(error.localizedDescription))")
    }
}

/// Flushes stdout at every newline, so that per-block progress shows up in a log file as it
/// happens (stdout to a file is block-buffered by default).
func lineBufferStandardOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}
