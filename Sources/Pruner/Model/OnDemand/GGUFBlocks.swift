import Traces

/// The blocks of a GGUF file, each decoded to fp32 when asked for; the file's pages of a decoded
/// block are handed back at once, so only the block being worked on is resident.
public struct GGUFBlocks: BlockSource {
    let file: GGUFFile
    let config: LlamaConfig
    /// Un-permute q/k rows from llama.cpp's rotary layout into Hugging Face's (`GGUFModel.weights`).
    let unpermuteRotary: Bool

    public var count: Int { config.layers }

    public func load(_ block: Int) throws(ModelError) -> BlockWeights {
        let weights = try BlockWeights.read(config: config) { projection, rows, cols throws(ModelError) in
            let name = GGUFModel.tensorName(block: block, projection)
            var weight = try file.matrix(name, rows: rows, cols: cols)
            let biasName = String(name.dropLast("weight".count)) + "bias"
            var bias: [Float]?
            if file.tensors[biasName] != nil {
                guard !unpermuteRotary else {
                    throw ModelError(path: file.path, message: "'\(biasName)': biases on permuted q/k rows are not supported")
                }
                bias = try file.vector(biasName, count: rows)
            }
            if unpermuteRotary, projection == .q || projection == .k {
                weight = GGUFModel.unpermuteRotary(weight, heads: projection == .q ? config.heads : config.keyValueHeads)
            }
            return (weight, bias)
        } norms: { () throws(ModelError) in
            (try file.vector("blk.\(block).attn_norm.weight", count: config.hiddenSize),
             try file.vector("blk.\(block).ffn_norm.weight", count: config.hiddenSize))
        }
        file.releasePages(ofTensorsNamed: { $0.hasPrefix("blk.\(block).") })
        return weights
    }
}
