import Foundation

/// Write-then-rename, so that a reader never sees half a file and a failed
/// run leaves nothing behind.
public enum AtomicFile {
    /// A hidden name in the destination's directory (rename(2) is atomic only within one file system).
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let name = ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString.prefix(8)).tmp"
        return (directory as NSString).appendingPathComponent(name)
    }

    /// Atomically replaces `destination` with `source`.
    public static func moveIntoPlace(_ source: String, _ destination: String) throws {
        guard rename(source, destination) == 0 else {
            throw NSError(domain: NSPOSIXErrorDomain, code: Int(errno),
                          userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = temporaryPath(for: path)
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            try moveIntoPlace(temporary, path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}
