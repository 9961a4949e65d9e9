import Foundation

/// The real models and texts the tests check against: `data/` of the package, where
/// scripts/fetch-data.sh and scripts/fetch-qwen.sh put them, or `$SPARSIM_DATA`.
public enum RealData {
    /// The package's root directory (this file is Tests/TestSupport/RealData.swift).
    public static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The first data directory that holds `name` (a path relative to it), or nil; always nil in
    /// the quick tier.
    public static func directory(holding name: String) -> String? {
        guard !ExternalProcess.quickTier else { return nil }
        let candidates = [ProcessInfo.processInfo.environment["SPARSIM_DATA"], packageRoot + "/data"].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/" + name) }
    }

    /// The path of `name` in the first data directory that holds it, or nil.
    public static func path(of name: String) -> String? {
        directory(holding: name).map { $0 + "/" + name }
    }
}
