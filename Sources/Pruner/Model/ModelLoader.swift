import Foundation

/// A model and its tokenizer, loaded from a GGUF file or a Hugging Face directory.
public struct LoadedModel: Sendable {
    public var name: String
    public var model: LlamaModel
    public var tokenizer: any Tokenizer
    /// Beginning- and end-of-sequence token ids, where the file names them.
    public var specialIDs: (bos: Int?, eos: Int?)

    public init(name: String, model: LlamaModel, tokenizer: any Tokenizer, specialIDs: (bos: Int?, eos: Int?) = (nil, nil)) {
        self.name = name
        self.model = model
        self.tokenizer = tokenizer
        self.specialIDs = specialIDs
    }
}

public enum ModelLoader {
    /// A `.gguf` file, or a directory with config.json, *.safetensors and tokenizer.json.
    public static func load(_ path: String) throws(ModelError) -> LoadedModel {
        var (loaded, blocks) = try open(path)
        loaded.model.weights.blocks = try blocks.loadAll()
        return loaded
    }

    /// The model without its blocks (`model.weights.blocks` is empty: embedding, final norm, head
    /// and tokenizer only), and the source of its blocks, each read from the file when asked for.
    public static func open(_ path: String) throws(ModelError) -> (LoadedModel, any BlockSource) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelError(path: path, message: "no such file or directory")
        }
        if isDirectory.boolValue {
            return try HuggingFaceModel.open(directory: path)
        }
        let file = try GGUFFile(path: path)
        let name = file.metadata["general.name"]?.stringValue ?? URL(fileURLWithPath: path).lastPathComponent
        let (weights, blocks) = try GGUFModel.open(file)
        let loaded = LoadedModel(name: name, model: LlamaModel(weights: weights), tokenizer: try GGUFModel.tokenizer(file),
                                 specialIDs: (file.metadata["tokenizer.ggml.bos_token_id"]?.intValue,
                                              file.metadata["tokenizer.ggml.eos_token_id"]?.intValue))
        return (loaded, blocks)
    }
}
