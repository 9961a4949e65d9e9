import Foundation

/// Runs helper programs (python3 with h5py, h5dump) that some tests compare against.
enum ExternalTool {
    /// In CI the tools are installed by .ci/run, so a missing tool is a failure there, not a skip.
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let hasH5py: Bool = (try? run(["python3", "-c", "import h5py, numpy"]).status) == 0
    static let hasH5dump: Bool = (try? run(["h5dump", "--version"]).status) == 0
}
