import Foundation
import SparsimSupport
import Traces

/// Writes a model as a Hugging Face directory (config.json, model.safetensors in F32, tokenizer.json,
/// tokenizer_config.json) that transformers and `sparsim eval` both load. The directory appears whole
/// or not at all: it is written under a temporary name and renamed.
public enum HuggingFaceExport {
    public static func write(_ loaded: LoadedModel, to directory: String) throws(ModelError) {
        guard let tokenizer = loaded.tokenizer as? ByteLevelBPE else {
            throw ModelError(path: directory, message: "only byte-level BPE tokenizers can be exported")
        }
        guard !FileManager.default.fileExists(atPath: directory) else {
            throw ModelError(path: directory, message: "already exists; remove it or choose another --out")
        }
        let weights = loaded.model.weights
        guard let family = weights.family else {
            throw ModelError(path: directory, message: "biases outside q/k/v (or in some blocks only) fit neither LLaMA nor Qwen2")
        }
        guard weights.rotaryLayout == .halfSplit else {
            throw ModelError(path: directory, message: "weights must be in Hugging Face's half-split rotary layout")
        }
        let temporary = AtomicFile.temporaryPath(for: directory)
        do {
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: false)
            try writeFiles(loaded, family: family, tokenizer: tokenizer, into: temporary)
            try AtomicFile.moveIntoPlace(temporary, directory)
        } catch {
            AtomicFile.discard(temporary)
            if let error = error as? ModelError { throw ModelError(path: directory, message: error.message) }
            throw ModelError(path: directory, message: "cannot write (\(error.localizedDescription))")
        }
    }

    private static func writeFiles(_ loaded: LoadedModel, family: ModelFamily, tokenizer: ByteLevelBPE, into directory: String) throws {
        let weights = loaded.model.weights
        let config = weights.config
        var tensors: [(name: String, shape: [Int], values: [Float])] = [
            ("model.embed_tokens.weight", [config.vocabularySize, config.hiddenSize], weights.embedding.values),
            ("model.norm.weight", [config.hiddenSize], weights.finalNorm),
        ]
        if let head = weights.outputHead { tensors.append(("lm_head.weight", [head.rows, head.cols], head.values)) }
        for (index, block) in weights.blocks.enumerated() {
            tensors.append(("model.layers.\(index).input_layernorm.weight", [config.hiddenSize], block.attentionNorm))
            tensors.append(("model.layers.\(index).post_attention_layernorm.weight", [config.hiddenSize], block.mlpNorm))
            for projection in Projection.allCases {
                let weight = block[projection]
                tensors.append((HuggingFaceModel.tensorName(block: index, projection), [weight.rows, weight.cols], weight.values))
                if let bias = block.biases[projection] {
                    tensors.append((HuggingFaceModel.tensorName(block: index, projection, kind: "bias"), [bias.count], bias))
                }
            }
        }
        try SafetensorsFile.write(tensors, metadata: ["format": "pt"], to: directory + "/model.safetensors")

        var configJSON: [String: Any] = [
            "architectures": [family.huggingFaceArchitecture], "model_type": family.rawValue, "hidden_act": "silu",
            "head_dim": config.headDim, "torch_dtype": "float32", "initializer_range": 0.02, "use_cache": true,
        ]
        switch family {
        case .llama: configJSON.merge(["attention_bias": false, "mlp_bias": false, "pretraining_tp": 1]) { $1 }
        case .qwen2: configJSON.merge(["use_sliding_window": false, "sliding_window": NSNull(),
                                       "max_window_layers": config.layers]) { $1 }
        }
        for (key, value) in config.huggingFaceValues { configJSON[key] = value }
        if let bos = loaded.specialIDs.bos { configJSON["bos_token_id"] = bos }
        if let eos = loaded.specialIDs.eos { configJSON["eos_token_id"] = eos }
        try JSONSerialization.data(withJSONObject: configJSON, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: directory + "/config.json"))
        try TokenizerJSON.data(tokenizer).write(to: URL(fileURLWithPath: directory + "/tokenizer.json"))
        var tokenizerConfig: [String: Any] = ["tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": config.maxPositions,
                                              "add_bos_token": false, "clean_up_tokenization_spaces": false]
        if let bos = loaded.specialIDs.bos { tokenizerConfig["bos_token"] = tokenizer.vocabulary[bos] }
        if let eos = loaded.specialIDs.eos { tokenizerConfig["eos_token"] = tokenizer.vocabulary[eos] }
        try JSONSerialization.data(withJSONObject: tokenizerConfig, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: directory + "/tokenizer_config.json"))
    }
}
