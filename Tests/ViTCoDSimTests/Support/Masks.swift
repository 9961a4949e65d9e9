import SparsimSupport
import Traces
import ViTCoDSim

/// Small masks for tests.
enum Masks {
    static func random(rows: Int, cols: Int, density: Double, seed: UInt64) -> KeepMask {
        var generator = SeededGenerator(seed: seed)
        return KeepMask(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in generator.nextUnit() < density })
    }

    /// Random mask whose columns have very different densities (as Wanda-like pruning produces).
    static func skewed(rows: Int, cols: Int, seed: UInt64) -> KeepMask {
        var generator = SeededGenerator(seed: seed)
        let columnDensity = (0..<cols).map { _ in generator.nextUnit() }
        return KeepMask(rows: rows, cols: cols) { _, col in generator.nextUnit() < columnDensity[col] }
    }
}
