import Foundation
import TestSupport
@testable import Pruner

/// The shipped real model (data/ after scripts/fetch-data.sh), loaded once.
enum SharedModel {
    static let dataDirectory: String? = RealData.directory(holding: ggufName)

    static let ggufName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    static var ggufPath: String { dataDirectory! + "/" + ggufName }
    static var evaluationText: String { dataDirectory! + "/text/austen_persuasion.txt" }
    static var available: Bool { dataDirectory != nil }

    static let file: GGUFFile = try! GGUFFile(path: ggufPath)
    static let loaded: LoadedModel = try! ModelLoader.load(ggufPath)

    /// python3 with torch, transformers and gguf (installed by .ci/run).
    static let hasTransformers: Bool =
        (try? ExternalProcess.python(["-c", "import torch, transformers, gguf, numpy"]).status) == 0
    static let referenceScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("reference_transformers.py").path

    static func readArray<T>(_ path: String, as type: T.Type) throws -> [T] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }
}

import Testing

/// In CI the data is put in place by .ci/run: its absence is a failure there, not a reason to skip.
@Suite struct SharedDataPresence {
    @Test func modelAndTextArePresentInCI() {
        if ExternalProcess.mustRunEverything {
            #expect(SharedModel.available, "CI must run scripts/fetch-data.sh before the tests")
        }
    }
}
