import Traces

/// One column tile of a layer, its columns assigned to the engines, and the engines' PE columns.
/// down_proj has several such segments (C_out-wide tiles, as in the compute model); other layers one.
struct Segment: Sendable {
    /// Dense-engine columns, ascending.
    var denseColumns: [Int]
    /// Sparse-engine columns, ascending.
    var sparseColumns: [Int]
    var densePEColumns: Int
    var sparsePEColumns: Int

    /// The segment as the compute model split it: its G fullest columns (ties: lower index) go dense.
    init(columns: Range<Int>, counts: [Int], split: EngineSplit) {
        let fullestFirst = columns.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        let dense = Set(fullestFirst.prefix(split.denseColumns))
        denseColumns = columns.filter { dense.contains($0) }
        sparseColumns = columns.filter { !dense.contains($0) }
        densePEColumns = split.densePEColumns
        sparsePEColumns = split.sparsePEColumns
    }

    /// Every column on the dense engine, every PE column with it: the dense baseline.
    init(allDense columns: Range<Int>, peColumns: Int) {
        denseColumns = Array(columns)
        sparseColumns = []
        densePEColumns = peColumns
        sparsePEColumns = 0
    }
}
