import Foundation
import TestSupport

/// Runs the built `sparsim` executable as a user would, capturing its output and exit status.
enum CLI {
    /// `swift build` puts the executable beside the test bundle.
    static let executable: URL = {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("sparsim")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("sparsim executable not found near \(Bundle.main.bundleURL.path)")
    }()

    static func run(_ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
        try ExternalProcess.run(executable.path, arguments, in: directory)
    }
}
