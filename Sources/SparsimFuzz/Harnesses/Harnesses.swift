import Foundation
import Pruner

enum Harnesses {
    /// The corpus folder of this run (set by the command before any harness runs).
    nonisolated(unsafe) static var corpus = "Tests/FuzzCorpus"

    static let all: [any Harness] = [
        HardwareHarness(), TokenIDsHarness(), TaskHarness(model: { try tinyModel.value() }),
        GGUFHarness(), HuggingFaceHarness(), TraceHarness(),
    ]

    /// The corpus's tiny Hugging Face model, loaded once per process.
    static let tinyModel = Lazy { try ModelLoader.load(corpus + "/huggingface/seeds/tiny") }
}

/// A value made on first use, once, from a throwing closure.
final class Lazy<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private let make: () throws -> Value
    private var made: Value?

    init(_ make: @escaping () throws -> Value) { self.make = make }

    func value() throws -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let value = try make()
        made = value
        return value
    }
}
