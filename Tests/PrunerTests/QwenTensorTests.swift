import Foundation
import Testing
import TestSupport
@testable import Pruner

/// Where scripts/fetch-qwen.sh put the second real model, if it did.
enum QwenModel {
    static let name = "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"
    static let path: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [ProcessInfo.processInfo.environment["SPARSIM_DATA"], root.path + "/data",
                          root.deletingLastPathComponent().path + "/shared/data"].compactMap { $0 }
        return candidates.map { $0 + "/" + name }.first { FileManager.default.fileExists(atPath: $0) }
    }()
}

/// The second real model's tensors: one tensor of each quantisation type the file uses, decoded
/// by sparsim and by the `gguf` package's reader and dequantizer.
@Suite(.enabled(if: QwenModel.path != nil || ExternalProcess.isCI,
                "data/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf is absent (run scripts/fetch-qwen.sh)"))
struct QwenTensorTests {
    /// The smallest tensor of each type in the file.
    static let tensors: [(name: String, type: GGMLType)] = [
        ("blk.0.attn_k.weight", .q5_0), ("blk.0.attn_v.weight", .q8_0), ("blk.0.ffn_down.weight", .q6_K),
        ("blk.11.ffn_down.weight", .q4_K), ("blk.0.attn_k.bias", .f32),
    ]

    @Test(arguments: tensors.map(\.name))
    func decodesLikeTheGGUFPackage(tensor: String) throws {
        let path = try #require(QwenModel.path, "CI must run scripts/fetch-qwen.sh before the tests")
        let file = try GGUFFile(path: path)
        let info = try #require(file.tensors[tensor])
        #expect(info.type == Self.tensors.first { $0.name == tensor }!.type)
        let ours = try file.tensor(tensor)
        let folder = try TemporaryDirectory()
        let script = """
            import sys, numpy as np
            from gguf import GGUFReader, quants
            tensor = next(t for t in GGUFReader(sys.argv[1]).tensors if t.name == sys.argv[2])
            quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float32).reshape(-1).tofile(sys.argv[3])
            """
        let result = try ExternalProcess.python(["-c", script, path, tensor, folder.file("out.bin")])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try SharedModel.readArray(folder.file("out.bin"), as: Float.self)
        #expect(ours.count == reference.count)
        let largest = reference.map(abs).max() ?? 0
        var worst: Float = 0
        for (a, b) in zip(ours, reference) { worst = max(worst, abs(a - b)) }
        #expect(largest > 0)
        #expect(worst <= 1e-6 * largest, "\(tensor): max |Δ| \(worst) of \(largest)")
    }
}
