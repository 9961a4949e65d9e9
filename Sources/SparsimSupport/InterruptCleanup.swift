import Dispatch
import Foundation

/// Removes the temporary files and directories of unfinished atomic writes when the process is
/// stopped by SIGINT, SIGTERM or SIGHUP, then lets the signal end the process as it would have:
/// an interrupted `prune` leaves neither its trace nor a hidden `.NAME.PID.XXXX.tmp` behind.
///
/// The handlers run on a dispatch queue, not in signal context, so they may take locks and use
/// FileManager; they are installed with the first registered path, so a process that never writes
/// keeps the default dispositions.
public enum InterruptCleanup {
    public static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Remember `path` (a file or a directory) for removal on a signal.
    public static func register(_ path: String) {
        _ = installed
        registry.update { $0.insert(path) }
    }

    /// Forget `path`: it was renamed into place or removed.
    public static func unregister(_ path: String) {
        registry.update { $0.remove(path) }
    }

    private static let registry = LockedSet()

    nonisolated(unsafe) private static let installed: [DispatchSourceSignal] = {
        // A parent may start us with these signals blocked (a process spawned from a dispatch
        // worker thread inherits its mask, as under `swift test`); then no signal would arrive.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for number in signals { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        return signals.map(install)
    }()

    private static func install(_ number: Int32) -> DispatchSourceSignal {
        signal(number, SIG_IGN)  // dispatch sources see only signals that are not handled otherwise
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            for path in registry.update({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
            signal(number, SIG_DFL)
            kill(getpid(), number)
        }
        source.resume()
        return source
    }

    private final class LockedSet: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: Set<String> = []

        @discardableResult
        func update<T>(_ body: (inout Set<String>) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&paths)
        }
    }
}
