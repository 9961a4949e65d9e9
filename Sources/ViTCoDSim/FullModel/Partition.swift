import Traces

/// One column tile of a layer as the engines see it: which columns each engine takes and how many
/// PE columns each has. down_proj under the fixed mapping has several such segments (C_out-wide
/// tiles, as in the compute model); everything else has one.
struct Segment: Sendable {
    /// Dense-engine units, ascending: input columns, or, on the N:M datapath, the first column of
    /// each group of M.
    var denseColumns: [Int]
    /// Sparse-engine columns, ascending.
    var sparseColumns: [Int]
    var densePEColumns: Int
    var sparsePEColumns: Int
    /// The N:M datapath: each dense unit is a group of `groupSize` input columns compressed to
    /// `slots` kept positions per row.
    var structured: (slots: Int, groupSize: Int)?

    /// The partition's `denseColumns` fullest columns (ties: lower index) on the dense engine.
    init(_ partition: ColumnPartition, counts: [Int], peColumns: Int) {
        let columns = partition.columns
        if partition.denseColumns >= columns.count {
            denseColumns = Array(columns)
            sparseColumns = []
        } else if partition.denseColumns == 0 {
            denseColumns = []
            sparseColumns = Array(columns)
        } else {
            let fullestFirst = Self.fullestFirst(columns, counts: counts)
            var dense = [Bool](repeating: false, count: columns.count)
            for column in fullestFirst.prefix(partition.denseColumns) { dense[column - columns.lowerBound] = true }
            denseColumns = columns.filter { dense[$0 - columns.lowerBound] }
            sparseColumns = columns.filter { !dense[$0 - columns.lowerBound] }
        }
        densePEColumns = partition.densePEColumns
        sparsePEColumns = peColumns - partition.densePEColumns
    }

    /// `columns` with the most kept weights first (ties: lower index): the order in which a
    /// partition sends columns to the dense engine.
    static func fullestFirst(_ columns: Range<Int>, counts: [Int]) -> [Int] {
        columns.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
    }

    /// Every group of the columns on the N:M datapath, with the whole array.
    init(structured columns: Range<Int>, groupSize: Int, slots: Int, peColumns: Int) {
        denseColumns = Array(stride(from: columns.lowerBound, to: columns.upperBound, by: groupSize))
        sparseColumns = []
        densePEColumns = peColumns
        sparsePEColumns = 0
        structured = (slots, groupSize)
    }

    /// Input columns, engine columns and metadata bits per row of one dense unit.
    var denseUnit: (inputs: Int, engineColumns: Int, metadataBitsPerRow: Int) {
        guard let structured else { return (1, 1, 0) }
        return (structured.groupSize, structured.slots, structured.slots * SparseFormat.bitsToIndex(structured.groupSize))
    }

    /// Dense MACs per token per row (zeros included; compressed slots on the N:M datapath).
    var denseEngineColumns: Int { denseColumns.count * denseUnit.engineColumns }
}
