/// Along which dimension an engine's PE lines (PE columns of `peRows` PEs) run.
public enum LineDimension: String, Codable, CaseIterable, Sendable {
    /// The line's PEs cover `peRows` output rows of one input column, one token at a time: the
    /// input value is broadcast along the line and each PE reads its own weight. (ViTCoD's dense
    /// engine; the sparse engine's mapping before the mapper.) A sparse column of 65 kept weights
    /// takes two passes.
    case rows
    /// The line's PEs cover `peRows` tokens of one weight: the weight is broadcast along the line and
    /// each PE reads its own token's input value and accumulates its own token's partial sum.
    /// (ViTCoD's SpMM, with V's feature dimension along the line.) Folds only on the token tile.
    case tokens
}

/// The loop order over (token tile, row tile) blocks, and so which operand stays on chip.
/// Inside a block the partial sums of its Mt × Nt outputs stay in the output buffer while the
/// columns stream through in steps; a block's weights (Nt × C_in) and inputs (Mt × C_in) are
/// loaded unless they are still on chip from the previous block.
public enum LoopOrder: String, Codable, CaseIterable, Sendable {
    /// Token tiles outermost, nothing kept: weights are read once per token tile, inputs once per
    /// row tile (the mapping before the mapper).
    case streaming
    /// Token tiles outermost, and a token tile's inputs (Mt × C_in activations, which must fit the
    /// input buffer) stay on chip for all its row tiles: inputs are read once.
    case inputsStay = "inputs-stay"
    /// Row tiles outermost, and a row tile's weights (values in the weight buffer, metadata in the
    /// index buffer) stay on chip for all its token tiles when they fit: those weights are read once.
    case weightsStay = "weights-stay"

    var rowTilesOuter: Bool { self == .weightsStay }
}

/// How the columns of one column tile are divided between the engines: the `denseColumns` fullest
/// columns (ties: lower index) go to the dense engine, which gets `densePEColumns` of the array's
/// PE columns; the sparse engine gets the rest of both.
public struct ColumnPartition: Equatable, Hashable, Sendable, Codable {
    public var columns: Range<Int>
    public var denseColumns: Int
    public var densePEColumns: Int

    public init(columns: Range<Int>, denseColumns: Int, densePEColumns: Int) {
        self.columns = columns
        self.denseColumns = denseColumns
        self.densePEColumns = densePEColumns
    }
}

/// Everything that decides how a layer runs on the array, apart from the hardware itself
/// (Timeloop's split between architecture and mapping): the dense/sparse partition and PE split,
/// each engine's line dimension, the tiles, the loop order, and the sparse weights' format.
public struct Mapping: Equatable, Hashable, Sendable, Codable {
    /// One partition per column tile, run one after another (the fixed mapping cuts down_proj into
    /// C_out-wide tiles as the reference does; the mapper uses one tile).
    public var partitions: [ColumnPartition]
    public var denseLines: LineDimension
    public var sparseLines: LineDimension
    public var rowTile: Int
    public var tokenTile: Int
    public var loopOrder: LoopOrder
    /// Format of the sparse engine's columns in DRAM (dense-engine columns are plain values).
    public var format: SparseFormat
    /// The N:M datapath: every column on the dense engine, compressed to the kept slots of each
    /// group of M, a multiplexer per PE picking the input of each slot (needs
    /// `HardwareConfig.nmDatapath` and an N:M mask).
    public var structured: Bool
    /// The share of each on-chip buffer the mapping plans with (1, or ½: smaller steps and tiles).
    /// With it, every mapping of a machine is also a mapping of one with buffers twice as large,
    /// so doubling the buffers can never cost cycles.
    public var bufferShare: Double

    public init(partitions: [ColumnPartition], denseLines: LineDimension = .rows, sparseLines: LineDimension = .rows,
                rowTile: Int, tokenTile: Int, loopOrder: LoopOrder = .streaming, format: SparseFormat = .bitmap,
                structured: Bool = false, bufferShare: Double = 1) {
        self.partitions = partitions
        self.denseLines = denseLines
        self.sparseLines = sparseLines
        self.rowTile = rowTile
        self.tokenTile = tokenTile
        self.loopOrder = loopOrder
        self.format = format
        self.structured = structured
        self.bufferShare = bufferShare
    }

    public var tiling: Tiling { Tiling(tokenTile: tokenTile, rowTile: rowTile) }

    /// The mapping on a machine whose buffers are the share it plans with.
    var withFullBuffers: Mapping {
        var mapping = self
        mapping.bufferShare = 1
        return mapping
    }
    public var denseColumns: Int { partitions.reduce(0) { $0 + $1.denseColumns } }
    public var columns: Int { partitions.reduce(0) { $0 + $1.columns.count } }
    /// Every column on the dense engine: the layer runs as if it were not pruned.
    public var isAllDense: Bool { !structured && denseColumns == columns }
    public var hasSparseColumns: Bool { !structured && denseColumns < columns }

    /// `G=4096/4096 dense 64/0 PE, rows|rows lines, 256×54 tile, tokens-outer, bitmap`-style text.
    public var summary: String {
        if structured {
            return "N:M datapath, \(denseLines.rawValue) lines, \(rowTile)×\(tokenTile) tile, \(loopOrder.rawValue)"
                + (bufferShare < 1 ? ", ½ buffers" : "")
        }
        let pe = partitions.map { "\($0.densePEColumns)" }.joined(separator: "/")
        var text = "\(denseColumns)/\(columns) cols dense (\(pe) PE cols)"
        if denseColumns > 0 { text += ", dense lines \(denseLines.rawValue)" }
        if hasSparseColumns { text += ", sparse lines \(sparseLines.rawValue), \(format.rawValue)" }
        return text + ", \(rowTile)×\(tokenTile) tile, \(loopOrder.rawValue)" + (bufferShare < 1 ? ", ½ buffers" : "")
    }
}
