import SparsimSupport
import Traces

/// How a synthetic mask places its zeros.
public enum SyntheticPattern: Sendable, Equatable, CustomStringConvertible {
    /// Every weight pruned independently with probability s.
    case uniform
    /// Row r pruned with its own probability, drawn uniformly from [s − spread, s + spread]
    /// (clamped to [0, 1]): rows of different density, as BESA's row-wise allocation produces.
    case rowVarying(spread: Double)
    /// Column c pruned with its own probability, drawn uniformly from [s − spread, s + spread]:
    /// input channels of different importance, as activation-aware scores (Wanda, BESA) produce.
    case columnVarying(spread: Double)
    /// In each aligned group of m weights of a row, n chosen at random are pruned.
    case nOfM(n: Int, m: Int)

    public var description: String {
        switch self {
        case .uniform: "uniform"
        case .rowVarying(let spread): "row-varying(±\(spread))"
        case .columnVarying(let spread): "column-varying(±\(spread))"
        case .nOfM(let n, let m): "\(n):\(m)"
        }
    }
}

/// Seeded random keep-masks at any shape.
public struct SyntheticMasks {
    public var generator: SeededGenerator

    public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    public mutating func mask(rows: Int, cols: Int, sparsity: Double, pattern: SyntheticPattern) -> KeepMask {
        var mask = KeepMask(rows: rows, cols: cols, keep: false)
        switch pattern {
        case .uniform:
            for row in 0..<rows { fillRow(&mask, row: row, keepProbability: 1 - sparsity) }
        case .rowVarying(let spread):
            for row in 0..<rows {
                let rowSparsity = min(1, max(0, sparsity - spread + 2 * spread * generator.nextUnit()))
                fillRow(&mask, row: row, keepProbability: 1 - rowSparsity)
            }
        case .columnVarying(let spread):
            let keep = (0..<cols).map { _ in
                UInt64(((1 - min(1, max(0, sparsity - spread + 2 * spread * generator.nextUnit()))) * 65536).rounded())
            }
            for row in 0..<rows {
                for column in 0..<cols where generator.next() & 0xFFFF < keep[column] { mask[row, column] = true }
            }
        case .nOfM(let n, let m):
            precondition(cols % m == 0, "N:M needs C_in divisible by M")
            var slots = Array(0..<m)
            for row in 0..<rows {
                for group in stride(from: 0, to: cols, by: m) {
                    // Partial Fisher–Yates: the first n slots are the pruned ones.
                    for i in 0..<n {
                        let j = i + Int(generator.next() % UInt64(m - i))
                        slots.swapAt(i, j)
                    }
                    let pruned = slots[0..<n]
                    for slot in 0..<m where !pruned.contains(slot) { mask[row, group + slot] = true }
                }
            }
        }
        return mask
    }

    /// Keeps each weight of the row with the given probability, four 16-bit draws per random word.
    private mutating func fillRow(_ mask: inout KeepMask, row: Int, keepProbability: Double) {
        let threshold = UInt64((keepProbability * 65536).rounded())
        var column = 0
        while column < mask.cols {
            var bits = generator.next()
            for _ in 0..<4 where column < mask.cols {
                if bits & 0xFFFF < threshold { mask[row, column] = true }
                bits >>= 16
                column += 1
            }
        }
    }
}
