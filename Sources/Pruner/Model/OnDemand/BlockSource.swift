import Traces

/// Where a model's decoder blocks come from. Pruning and block-major evaluation visit the blocks in
/// order and need one at a time: reading each from the memory-mapped file when its turn comes keeps
/// one block's fp32 weights resident instead of the whole model's (README, "Memory").
public protocol BlockSource: Sendable {
    /// The number of blocks.
    var count: Int { get }
    /// Block `index` in fp32, exactly as loading the whole model gives it.
    func load(_ index: Int) throws(ModelError) -> BlockWeights
}

extension BlockSource {
    /// Every block, in order.
    public func loadAll() throws(ModelError) -> [BlockWeights] {
        var blocks: [BlockWeights] = []
        blocks.reserveCapacity(count)
        for index in 0..<count { blocks.append(try load(index)) }
        return blocks
    }
}

/// Blocks already in memory: a model loaded whole, or built by a test.
public struct ResidentBlocks: BlockSource {
    public let blocks: [BlockWeights]

    public init(_ blocks: [BlockWeights]) { self.blocks = blocks }

    public var count: Int { blocks.count }

    public func load(_ index: Int) throws(ModelError) -> BlockWeights { blocks[index] }
}

extension BlockWeights {
    /// A block put together from a file: `linear` reads a projection's weight (rows × cols) and its
    /// bias where the file has one, `norms` the two RMSNorm weights.
    static func read(config: LlamaConfig, linear: (Projection, _ rows: Int, _ cols: Int) throws(ModelError) -> (Matrix, [Float]?),
                     norms: () throws(ModelError) -> (attention: [Float], mlp: [Float])) throws(ModelError) -> BlockWeights {
        var linears: [Projection: Matrix] = [:], biases: [Projection: [Float]] = [:]
        for projection in Projection.allCases {
            let (rows, cols) = config.shape(of: projection)
            (linears[projection], biases[projection]) = try linear(projection, rows, cols)
        }
        let (attention, mlp) = try norms()
        return BlockWeights(attentionNorm: attention, mlpNorm: mlp, linears: linears, biases: biases)
    }
}
