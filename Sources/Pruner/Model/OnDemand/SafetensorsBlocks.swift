import Traces

/// The tensors of a Hugging Face directory's safetensors files (one, or the shards of an index),
/// read by name with their shapes checked.
struct SafetensorsTensors: Sendable {
    let directory: String
    /// The file that holds each tensor.
    let owner: [String: SafetensorsFile]

    init(directory: String, files: [SafetensorsFile]) {
        self.directory = directory
        var owner: [String: SafetensorsFile] = [:]
        for file in files {
            for name in file.tensors.keys { owner[name] = file }
        }
        self.owner = owner
    }

    func tensor(_ name: String, shape: [Int]) throws(ModelError) -> [Float] {
        guard let file = owner[name] else { throw ModelError(path: directory, message: "missing tensor '\(name)'") }
        let info = file.tensors[name]!
        guard info.shape == shape else {
            throw ModelError(path: file.path, message: "tensor '\(name)' has shape \(info.shape), expected \(shape)")
        }
        return try file.tensor(name)
    }

    func matrix(_ name: String, rows: Int, cols: Int) throws(ModelError) -> Matrix {
        Matrix(rows: rows, cols: cols, values: try tensor(name, shape: [rows, cols]))
    }

    /// Lets the pages of the tensors whose names pass `filter` leave resident memory.
    func releasePages(ofTensorsNamed filter: (String) -> Bool) {
        for (name, file) in owner where filter(name) { file.releasePages(of: [name]) }
    }
}

/// The blocks of a Hugging Face model directory, each read when asked for (its file pages handed
/// back at once, as `GGUFBlocks` does).
public struct SafetensorsBlocks: BlockSource {
    let tensors: SafetensorsTensors
    let config: LlamaConfig
    let family: ModelFamily

    public var count: Int { config.layers }

    public func load(_ block: Int) throws(ModelError) -> BlockWeights {
        let prefix = "model.layers.\(block)."
        let weights = try BlockWeights.read(config: config) { projection, rows, cols throws(ModelError) in
            let name = HuggingFaceModel.tensorName(block: block, projection)
            let bias = family.biasedProjections.contains(projection)
                ? try tensors.tensor(HuggingFaceModel.tensorName(block: block, projection, kind: "bias"), shape: [rows]) : nil
            return (try tensors.matrix(name, rows: rows, cols: cols), bias)
        } norms: { () throws(ModelError) in
            (try tensors.tensor(prefix + "input_layernorm.weight", shape: [config.hiddenSize]),
             try tensors.tensor(prefix + "post_attention_layernorm.weight", shape: [config.hiddenSize]))
        }
        tensors.releasePages(ofTensorsNamed: { $0.hasPrefix(prefix) })
        return weights
    }
}
