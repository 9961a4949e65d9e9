import Foundation

/// Write-then-rename, so that a reader never sees half a file and a failed
/// run leaves nothing behind.
public enum AtomicFile {
    /// A hidden name in the destination's directory (rename(2) is atomic only within one file system).
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let name = ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString.prefix(8)).tmp"
        let temporary = (directory as NSString).appendingPathComponent(name)
        InterruptCleanup.register(temporary)
        return temporary
    }

    /// Removes a temporary path that will not be moved into place.
    public static func discard(_ temporary: String) {
        try? FileManager.default.removeItem(atPath: temporary)
        InterruptCleanup.unregister(temporary)
    }

    /// Atomically replaces `destination` with `source`.
    public static func moveIntoPlace(_ source: String, _ destination: String) throws {
        guard rename(source, destination) == 0 else { throw OutputFile.posixError() }
        InterruptCleanup.unregister(source)
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { file in try data.withUnsafeBytes { try file.write($0) } }
    }

    /// Creates a temporary file, lets `body` write it, and renames it to `path`; on any error the
    /// temporary file is removed. Streams, so a file larger than memory allows can be written.
    public static func write(to path: String, _ body: (OutputFile) throws -> Void) throws {
        let temporary = temporaryPath(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw OutputFile.posixError() }
        do {
            let file = OutputFile(descriptor: descriptor)
            try body(file)
            guard close(descriptor) == 0 else { throw OutputFile.posixError() }
            try moveIntoPlace(temporary, path)
        } catch {
            close(descriptor)
            discard(temporary)
            throw error
        }
    }
}

/// A file being written with write(2), looping over short writes. Foundation's `Data.write` on
/// Linux corrupts files above 2 GiB: a write(2) moves at most 0x7FFFF000 bytes and the bytes after
/// that offset came out wrong (seen exporting Qwen2.5-0.5B's 2.5 GB safetensors).
public struct OutputFile {
    let descriptor: Int32

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, min(bytes.count - offset, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.posixError()
            }
            offset += written
        }
    }

    static func posixError() -> NSError {
        NSError(domain: NSPOSIXErrorDomain, code: Int(errno), userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
    }
}
