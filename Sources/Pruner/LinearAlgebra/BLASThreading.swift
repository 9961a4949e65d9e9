import CBLAS
import Foundation

/// How sparsim shares the cores with BLAS.
///
/// OpenBLAS runs single-threaded: its thread count is set once, for the process, on first use of
/// any wrapper here, and never switched. Switching it (to run small products concurrently) was
/// process-wide, so a factorisation running beside a switch could take the other code path and
/// round differently. Instead sparsim cuts every large product into one piece per core, along the
/// longer side of the output, and runs the pieces itself. The pieces depend only on the product's
/// shape and the machine's core count (read once), so a result is the same whatever else runs in
/// the process; like OpenBLAS's own threading before, it may differ in the last bits on a machine
/// with another number of cores.
enum BLASThreading {
    /// Touched by every wrapper before it calls into OpenBLAS; Swift runs the initialiser once.
    static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    /// Pieces a large product is cut into. One per core: measured on 2 cores, two pieces run at
    /// 95–98% of OpenBLAS's own two threads on the shapes sparsim multiplies, eight at 85–90%
    /// (each piece repacks the other operand and runs a smaller, less efficient product).
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// A piece has at least this many multiply-adds (smaller ones cost more to hand out than
    /// they take) and at least `minimumExtent` rows or columns.
    static let multiplyAddsPerPiece = 1 << 20
    static let minimumExtent = 16

    /// The pieces of an m × n output (k the inner dimension), cut evenly along its longer side:
    /// each piece repacks the whole of the other operand, so cutting the longer side repacks the
    /// smaller one. OpenBLAS's idle threads no longer spin against sparsim's between products.
    static func pieces(m: Int, n: Int, k: Int) -> [Piece] {
        let wanted = min(cores, m * n * k / multiplyAddsPerPiece)
        let count = min(wanted, max(m, n) / minimumExtent)
        guard count > 1 else { return [Piece(rows: 0..<m, columns: 0..<n)] }
        let cuts = { (length: Int) in (0..<count).map { $0 * length / count ..< ($0 + 1) * length / count } }
        return m >= n ? cuts(m).map { Piece(rows: $0, columns: 0..<n) } : cuts(n).map { Piece(rows: 0..<m, columns: $0) }
    }

    struct Piece: Equatable {
        let rows: Range<Int>
        let columns: Range<Int>
    }
}
