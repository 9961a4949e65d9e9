/// How a layer's GEMM Y[M × N] = X[M × K] · Wᵀ is cut to fit the on-chip buffers.
///
/// Loop order: token tiles (Mt) outermost, then output-row tiles (Nt), then steps along K. A
/// (token tile, row tile) block keeps its Mt × Nt partial sums in the output buffer (half of it: the
/// other half drains the previous block); each step brings in the inputs and weights of a few
/// columns (half of each buffer: double buffering). So weights are read once per token tile, inputs
/// once per row tile.
public struct Tiling: Equatable, Sendable {
    public var tokenTile: Int
    public var rowTile: Int

    /// Picks (Mt, Nt) with the least estimated DRAM traffic: weights · ceil(M/Mt) + inputs ·
    /// ceil(N/Nt) + outputs, over row tiles that are multiples of the PE rows (or all N rows), with
    /// Mt as large as the output buffer then allows. Ties go to the larger row tile.
    static func choose(rows: Int, cols: Int, tokens: Int, weightBytes: Double, config: HardwareConfig) -> Tiling {
        let accumulators = max(1, Int(config.outputBufferKiB * 1024 / 2) * 8 / config.accumulatorBits)
        // One dense column of a row tile must fit half the weight buffer, and its bitmap half the
        // index buffer.
        let columnLimit = Int(config.weightBufferKiB * 1024 / 2) * 8 / config.valueBits
        let bitmapLimit = Int(config.indexBufferKiB * 1024 / 2) * 8
        let maxRows = max(1, min(rows, accumulators, columnLimit, bitmapLimit))
        var candidates = Set(stride(from: config.peRows, through: maxRows, by: config.peRows))
        candidates.insert(maxRows)
        let inputBytes = Double(tokens * cols * config.activationBits) / 8
        var best: (traffic: Double, tiling: Tiling)?
        for rowTile in candidates.sorted(by: >) {
            let tokenTile = min(tokens, max(1, accumulators / rowTile))
            let traffic = weightBytes * Double(ceilDiv(tokens, tokenTile)) + inputBytes * Double(ceilDiv(rows, rowTile))
            if best == nil || traffic < best!.traffic {
                best = (traffic, Tiling(tokenTile: tokenTile, rowTile: rowTile))
            }
        }
        return best!.tiling
    }
}
