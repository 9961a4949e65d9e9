import Foundation
import Traces

/// A Hugging Face model directory: config.json, model.safetensors (or shards listed in
/// model.safetensors.index.json) and tokenizer.json.
public enum HuggingFaceModel {
    static func tensorName(block: Int, _ projection: Projection, kind: String = "weight") -> String {
        LayerID(block: block, projection: projection).huggingFaceName + "." + kind
    }

    public static func load(directory: String) throws(ModelError) -> LoadedModel {
        var (loaded, blocks) = try open(directory: directory)
        loaded.model.weights.blocks = try blocks.loadAll()
        return loaded
    }

    /// The model without its blocks (`weights.blocks` empty), and a source that reads each block
    /// when asked.
    public static func open(directory: String) throws(ModelError) -> (LoadedModel, SafetensorsBlocks) {
        let (config, family) = try readConfig(directory)
        let tensors = SafetensorsTensors(directory: directory, files: try safetensorFiles(directory))
        let weights = LlamaWeights(
            config: config,
            embedding: try tensors.matrix("model.embed_tokens.weight", rows: config.vocabularySize, cols: config.hiddenSize),
            blocks: [],
            finalNorm: try tensors.tensor("model.norm.weight", shape: [config.hiddenSize]),
            outputHead: config.tiedEmbeddings ? nil : try tensors.matrix("lm_head.weight", rows: config.vocabularySize, cols: config.hiddenSize),
            rotaryLayout: .halfSplit)
        tensors.releasePages(ofTensorsNamed: { !$0.hasPrefix("model.layers.") })
        let name = URL(fileURLWithPath: directory).lastPathComponent
        let json = (try? readJSON(directory + "/config.json")) ?? [:]
        let loaded = LoadedModel(name: name, model: LlamaModel(weights: weights), tokenizer: try TokenizerJSON.load(directory + "/tokenizer.json"),
                                 specialIDs: (json["bos_token_id"] as? Int, json["eos_token_id"] as? Int))
        return (loaded, SafetensorsBlocks(tensors: tensors, config: config, family: family))
    }

    static func readConfig(_ directory: String) throws(ModelError) -> (LlamaConfig, ModelFamily) {
        let path = directory + "/config.json"
        let json = try readJSON(path)
        func fail(_ message: String) -> ModelError { ModelError(path: path, message: message) }
        let type = (json["model_type"] as? String) ?? "llama"
        guard let family = ModelFamily(rawValue: type) else {
            throw fail("model_type '\(type)' is not supported (\(ModelFamily.supportedNames) are)")
        }
        // Features of these families' configs that sparsim's forward pass does not implement.
        if (json["use_sliding_window"] as? Bool) == true { throw fail("sliding-window attention is not supported") }
        if (json["attention_bias"] as? Bool) == true || (json["mlp_bias"] as? Bool) == true {
            throw fail("LLaMA with attention_bias or mlp_bias is not supported")
        }
        func integer(_ key: String) throws(ModelError) -> Int {
            guard let value = json[key] as? Int else { throw fail("missing or non-integer '\(key)'") }
            return value
        }
        let heads = try integer("num_attention_heads")
        let config = LlamaConfig(
            hiddenSize: try integer("hidden_size"), intermediateSize: try integer("intermediate_size"),
            layers: try integer("num_hidden_layers"), heads: heads,
            keyValueHeads: (json["num_key_value_heads"] as? Int) ?? heads, vocabularySize: try integer("vocab_size"),
            ropeTheta: (json["rope_theta"] as? Double) ?? ((json["rope_parameters"] as? [String: Any])?["rope_theta"] as? Double) ?? 10_000,
            rmsNormEpsilon: (json["rms_norm_eps"] as? Double) ?? 1e-6,
            maxPositions: (json["max_position_embeddings"] as? Int) ?? 2048,
            tiedEmbeddings: (json["tie_word_embeddings"] as? Bool) ?? false)
        try config.validate(path: path)
        return (config, family)
    }

    static func safetensorFiles(_ directory: String) throws(ModelError) -> [SafetensorsFile] {
        let single = directory + "/model.safetensors"
        if FileManager.default.fileExists(atPath: single) { return [try SafetensorsFile(path: single)] }
        let indexPath = directory + "/model.safetensors.index.json"
        guard FileManager.default.fileExists(atPath: indexPath) else {
            throw ModelError(path: directory, message: "no model.safetensors or model.safetensors.index.json")
        }
        guard let map = try readJSON(indexPath)["weight_map"] as? [String: String] else {
            throw ModelError(path: indexPath, message: "no weight_map")
        }
        var files: [SafetensorsFile] = []
        for shard in Set(map.values).sorted() {
            guard !shard.contains("/") else { throw ModelError(path: indexPath, message: "shard name '\(shard)' leaves the directory") }
            files.append(try SafetensorsFile(path: directory + "/" + shard))
        }
        return files
    }

    static func readJSON(_ path: String) throws(ModelError) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(path: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read" : "no such file")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw ModelError(path: path, message: "not a JSON object")
        }
        return json
    }
}
