import Foundation
import SparsimSupport
import Testing
import TestSupport
import Traces
@testable import Pruner

@Suite struct SafetensorsTests {
    @Test func roundTripIsExact() throws {
        let folder = try TemporaryDirectory()
        let tensors: [(name: String, shape: [Int], values: [Float])] = [
            ("a", [2, 3], [1, -2, 3.5, 0, .leastNonzeroMagnitude, -.greatestFiniteMagnitude]),
            ("b.weight", [1], [42]),
        ]
        try SafetensorsFile.write(tensors, metadata: ["format": "pt"], to: folder.file("m.safetensors"))
        let file = try SafetensorsFile(path: folder.file("m.safetensors"))
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors["a"]?.shape == [2, 3])
        #expect(try file.tensor("a") == tensors[0].values)
        #expect(try file.tensor("b.weight") == [42])
        #expect(try folder.contents() == ["m.safetensors"])
    }

    static func parseError(_ data: Data) throws -> String? {
        let folder = try TemporaryDirectory()
        try data.write(to: URL(fileURLWithPath: folder.file("m.safetensors")))
        do {
            _ = try SafetensorsFile(path: folder.file("m.safetensors"))
            return nil
        } catch {
            #expect(!error.description.contains("\n"))
            return error.message
        }
    }

    static func file(header: String, dataBytes: Int) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(Data(count: dataBytes))
        return data
    }

    @Test func badFilesGiveOneLineErrors() throws {
        #expect(try Self.parseError(Self.file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 8)) == nil)
        #expect(try Self.parseError(Self.file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 4))?
            .contains("run past the data") == true)
        #expect(try Self.parseError(Self.file(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 8))?
            .contains("expected 12") == true)
        #expect(try Self.parseError(Self.file(header: #"{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, dataBytes: 8))?
            .contains("dtype I64") == true)
        #expect(try Self.parseError(Self.file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8))?
            .contains("overlap") == true)
        #expect(try Self.parseError(Self.file(header: "{not json", dataBytes: 0))?.contains("not valid JSON") == true)
        #expect(try Self.parseError(Data([1, 2, 3]))?.contains("truncated") == true)
        var huge = Data()
        withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { huge.append(contentsOf: $0) }
        #expect(try Self.parseError(huge)?.contains("runs past the file") == true)
    }

    @Test func tokenizerWithoutMergesIsRejected() throws {
        #expect(throws: ModelError(path: "t.json", message: "tokenizer has no merges (a byte-level BPE needs them)")) {
            try ByteLevelBPE(vocabulary: ByteLevelBPE.byteToCharacter.map(String.init), merges: [], path: "t.json")
        }
    }

    @Test func fuzzedHeadersNeverCrash() throws {
        let original = Self.file(header: #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[8,16]}}"#, dataBytes: 16)
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<2000 {
            var mutated = original
            for _ in 0..<(1 + generator.next() % 3) {
                let index = Int(generator.next() % UInt64(mutated.count))
                mutated[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            let folder = try TemporaryDirectory()
            try mutated.write(to: URL(fileURLWithPath: folder.file("f.safetensors")))
            if let file = try? SafetensorsFile(path: folder.file("f.safetensors")) {
                for name in file.tensors.keys { _ = try? file.tensor(name) }
            }
        }
    }
}

@Suite(.enabled(if: SharedModel.available, "the shipped model is not available"))
struct ExportTests {
    @Test func exportedDirectoryRoundTrips() throws {
        try Self.expectRoundTrip(SharedModel.loaded, compareWithTransformers: SharedModel.hasTransformers || ExternalProcess.mustRunEverything)
    }

    /// Export → load gives back the same weights and biases bit for bit and the same token ids;
    /// transformers loading the exported directory gives our logits.
    static func expectRoundTrip(_ original: LoadedModel, compareWithTransformers: Bool) throws {
        let folder = try TemporaryDirectory()
        let directory = folder.file("hf")
        try HuggingFaceExport.write(original, to: directory)
        #expect(throws: ModelError.self) { try HuggingFaceExport.write(original, to: directory) }  // exists
        let reloaded = try ModelLoader.load(directory)
        let a = original.model.weights, b = reloaded.model.weights
        #expect(a.config == b.config && a.family == b.family)
        // Compared as Bools: a failing #expect on two matrices would print millions of values.
        func firstDifference(_ x: [Float], _ y: [Float]) -> String? {
            guard x.count == y.count else { return "\(x.count) values against \(y.count)" }
            return zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }.map { "at \($0.offset): \($0.element.0) against \($0.element.1)" }
        }
        #expect(firstDifference(a.embedding.values, b.embedding.values) == nil && a.finalNorm == b.finalNorm)
        #expect(firstDifference(a.head.values, b.head.values) == nil && (a.outputHead == nil) == (b.outputHead == nil))
        for (index, (x, y)) in zip(a.blocks, b.blocks).enumerated() {
            #expect(x.attentionNorm == y.attentionNorm && x.mlpNorm == y.mlpNorm && x.biases == y.biases, "block \(index)")
            for projection in Projection.allCases {
                let difference = firstDifference(x[projection].values, y[projection].values)
                #expect(difference == nil, "block \(index) \(projection.rawValue)")
            }
        }
        let text = "Sir Walter Elliot, of Kellynch Hall, in Somersetshire... <|im_end|> 1818 — “quoted”\n\n  (the) x=12345;"
        #expect(reloaded.tokenizer.encode(text) == original.tokenizer.encode(text))
        #expect(reloaded.specialIDs.bos == original.specialIDs.bos && reloaded.specialIDs.eos == original.specialIDs.eos)

        guard compareWithTransformers else { return }
        let ids = original.tokenizer.encode(TransformersReferenceTests.prompt)
        try TransformersReferenceTests.expectLogitsMatch(original.model.forward(ids), ids: ids, modelPath: directory)
    }

    @Test func missingPiecesAreNamed() throws {
        let folder = try TemporaryDirectory()
        let directory = folder.file("hf")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(throws: ModelError(path: directory + "/config.json", message: "no such file")) { try ModelLoader.load(directory) }
        try #"{"model_type":"llama","hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":300}"#
            .write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        #expect(throws: ModelError(path: directory, message: "no model.safetensors or model.safetensors.index.json")) {
            try ModelLoader.load(directory)
        }
        try SafetensorsFile.write([("model.embed_tokens.weight", [300, 8], [Float](repeating: 0, count: 2400))],
                                  to: directory + "/model.safetensors")
        #expect(throws: ModelError(path: directory, message: "missing tensor 'model.norm.weight'")) { try ModelLoader.load(directory) }
        try SafetensorsFile.write([("model.embed_tokens.weight", [300, 8], [Float](repeating: 0, count: 2400)),
                                   ("model.norm.weight", [8], [Float](repeating: 1, count: 8)),
                                   ("lm_head.weight", [300, 8], [Float](repeating: 0, count: 2400))], to: directory + "/model.safetensors")
        #expect(throws: ModelError(path: directory + "/tokenizer.json", message: "no such file")) { try ModelLoader.load(directory) }
        // Blocks are read when asked for (after the tokenizer), each tensor checked as it is.
        let (config, family) = try HuggingFaceModel.readConfig(directory)
        let blocks = SafetensorsBlocks(tensors: SafetensorsTensors(directory: directory, files: try HuggingFaceModel.safetensorFiles(directory)),
                                       config: config, family: family)
        #expect(throws: ModelError(path: directory, message: "missing tensor 'model.layers.0.self_attn.q_proj.weight'")) {
            try blocks.load(0)
        }
    }
}

/// Which Hugging Face architecture a model is exported as, decided by where its biases are.
@Suite struct ModelFamilyTests {
    static func tiny(biasedOn projections: Set<Projection>) throws -> LoadedModel {
        var weights = TinyModels.resident().weights
        for index in weights.blocks.indices {
            for projection in projections {
                let rows = weights.blocks[index][projection].rows
                weights.blocks[index].biases[projection] = (0..<rows).map { Float(($0 * 7 + index) % 11) / 10 - 0.5 }
            }
        }
        let bytes = ByteLevelBPE.byteToCharacter.map(String.init)
        let tokenizer = try ByteLevelBPE(vocabulary: bytes + ["th", "the"], merges: ["t h", "th e"], preTokenizer: .qwen2, path: "tiny")
        return LoadedModel(name: "tiny", model: LlamaModel(weights: weights), tokenizer: tokenizer)
    }

    @Test func qwen2RoundTripsWithItsBiasesAndPreTokenizer() throws {
        #expect(try Self.tiny(biasedOn: []).model.weights.family == .llama)
        let original = try Self.tiny(biasedOn: [.q, .k, .v])
        #expect(original.model.weights.family == .qwen2)
        let folder = try TemporaryDirectory()
        try HuggingFaceExport.write(original, to: folder.file("hf"))
        let config = try HuggingFaceModel.readJSON(folder.file("hf/config.json"))
        #expect(config["model_type"] as? String == "qwen2" && config["architectures"] as? [String] == ["Qwen2ForCausalLM"])
        let reloaded = try ModelLoader.load(folder.file("hf"))
        #expect(reloaded.model.weights.blocks.map(\.biases) == original.model.weights.blocks.map(\.biases))
        #expect((reloaded.tokenizer as? ByteLevelBPE)?.preTokenizer == .qwen2)
        let ids: [Int32] = [3, 17, 42, 5, 9, 30]
        #expect(reloaded.model.forward(ids) == original.model.forward(ids))
    }

    @Test func biasesThatFitNoFamilyAreRefusedWithNothingWritten() throws {
        let odd = try Self.tiny(biasedOn: [.q])
        #expect(odd.model.weights.family == nil)
        let folder = try TemporaryDirectory()
        #expect(throws: ModelError.self) { try HuggingFaceExport.write(odd, to: folder.file("hf")) }
        #expect(try folder.contents().isEmpty)
    }

    @Test func configFeaturesSparsimLacksAreRefused() throws {
        let folder = try TemporaryDirectory()
        try HuggingFaceExport.write(try Self.tiny(biasedOn: [.q, .k, .v]), to: folder.file("hf"))
        let path = folder.file("hf/config.json")
        var config = try HuggingFaceModel.readJSON(path)
        for (key, value, message) in [("use_sliding_window", true as Any, "sliding-window attention is not supported"),
                                      ("model_type", "mistral" as Any, "model_type 'mistral' is not supported (llama, qwen2 are)")] {
            let saved = config[key]
            config[key] = value
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
            #expect(throws: ModelError(path: path, message: message)) { try ModelLoader.load(folder.file("hf")) }
            config[key] = saved
        }
    }
}
