/// A layer's keep-mask: `true` where a weight survives pruning.
///
/// Stored exactly as in a trace file: rows of `cols` bits packed into
/// `ceil(cols / 8)` bytes, most significant bit first (NumPy's
/// `np.packbits(mask, axis=1)`), with the padding bits of each row's last
/// byte zero. One bit per weight keeps a 7B model's masks under 1 GB.
public struct KeepMask: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    /// `rows × bytesPerRow` bytes, row-major.
    public private(set) var packed: [UInt8]

    public var bytesPerRow: Int { (cols + 7) / 8 }
    public var count: Int { rows * cols }

    /// A mask with every entry set to `keep`.
    public init(rows: Int, cols: Int, keep: Bool = true) {
        precondition(rows > 0 && cols > 0, "a mask needs at least one row and one column")
        self.rows = rows
        self.cols = cols
        packed = [UInt8](repeating: 0, count: rows * ((cols + 7) / 8))
        if keep {
            for row in 0..<rows { setRow(row, toAll: true) }
        }
    }

    /// A mask whose entry (r, c) is `keep(r, c)`.
    public init(rows: Int, cols: Int, keep: (Int, Int) -> Bool) {
        self.init(rows: rows, cols: cols, keep: false)
        for row in 0..<rows {
            for col in 0..<cols where keep(row, col) { self[row, col] = true }
        }
    }

    /// A mask from row-major booleans (or anything nonzero), as a pruner produces it.
    public init(rows: Int, cols: Int, values: [Bool]) {
        precondition(values.count == rows * cols, "expected \(rows * cols) values, got \(values.count)")
        self.init(rows: rows, cols: cols) { values[$0 * cols + $1] }
    }

    /// Adopts packed bytes, checking their length and that padding bits are clear.
    /// The error message says what is wrong; the caller adds where.
    public init(rows: Int, cols: Int, packed: [UInt8]) throws(MaskFormatError) {
        guard rows > 0, cols > 0 else { throw MaskFormatError("shape \(rows)×\(cols) is empty") }
        let bytesPerRow = (cols + 7) / 8
        guard packed.count == rows * bytesPerRow else {
            throw MaskFormatError("\(packed.count) packed bytes for a \(rows)×\(cols) mask (expected \(rows * bytesPerRow))")
        }
        let padding = UInt8(truncatingIfNeeded: (1 << ((8 - cols % 8) % 8)) - 1)
        if padding != 0 {
            for row in 0..<rows where packed[row * bytesPerRow + bytesPerRow - 1] & padding != 0 {
                throw MaskFormatError("row \(row) has bits set past column \(cols - 1)")
            }
        }
        self.rows = rows
        self.cols = cols
        self.packed = packed
    }

    public subscript(row: Int, col: Int) -> Bool {
        get {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "(\(row), \(col)) outside \(rows)×\(cols)")
            return packed[row * bytesPerRow + col >> 3] & (0x80 >> UInt8(col & 7)) != 0
        }
        set {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "(\(row), \(col)) outside \(rows)×\(cols)")
            let index = row * bytesPerRow + col >> 3
            let bit: UInt8 = 0x80 >> UInt8(col & 7)
            if newValue { packed[index] |= bit } else { packed[index] &= ~bit }
        }
    }

    private mutating func setRow(_ row: Int, toAll keep: Bool) {
        let start = row * bytesPerRow
        for index in start..<start + bytesPerRow { packed[index] = keep ? 0xFF : 0 }
        let padding = UInt8(truncatingIfNeeded: (1 << ((8 - cols % 8) % 8)) - 1)
        packed[start + bytesPerRow - 1] &= ~padding
    }

    /// Number of kept weights.
    public var nonzeroCount: Int {
        packed.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// Fraction of pruned weights.
    public var sparsity: Double { 1 - Double(nonzeroCount) / Double(count) }

    /// Kept weights in each row.
    public func rowCounts() -> [Int] {
        (0..<rows).map { row in
            packed[row * bytesPerRow..<(row + 1) * bytesPerRow].reduce(0) { $0 + $1.nonzeroBitCount }
        }
    }

    /// Kept weights in each column (input channel).
    public func columnCounts() -> [Int] {
        columnCounts(rows: 0..<rows)
    }

    /// Kept weights in each column within the given rows.
    ///
    /// Each packed byte is spread into eight one-byte lanes of a UInt64 (a table lookup), and the
    /// lanes of a column group are summed with one 64-bit add per byte; lanes are flushed into the
    /// counts every 255 rows, before they can overflow.
    public func columnCounts(rows range: Range<Int>) -> [Int] {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) outside 0..<\(rows)")
        var counts = [Int](repeating: 0, count: bytesPerRow * 8)
        var lanes = [UInt64](repeating: 0, count: bytesPerRow)
        let table = Self.spreadTable
        packed.withUnsafeBufferPointer { bytes in
            lanes.withUnsafeMutableBufferPointer { lanes in
                var pending = 0
                func flush() {
                    for group in 0..<bytesPerRow where lanes[group] != 0 {
                        var value = lanes[group]
                        for lane in 0..<8 {
                            counts[group * 8 + lane] += Int(value & 0xFF)
                            value >>= 8
                        }
                        lanes[group] = 0
                    }
                    pending = 0
                }
                for row in range {
                    let start = row * bytesPerRow
                    for group in 0..<bytesPerRow { lanes[group] &+= table[Int(bytes[start + group])] }
                    pending += 1
                    if pending == 255 { flush() }
                }
                flush()
            }
        }
        counts.removeLast(counts.count - cols)
        return counts
    }

    /// Byte b → eight lanes, lane i = bit (7 − i) of b (column 8g + i of a packed byte).
    private static let spreadTable: [UInt64] = (0..<256).map { (byte: Int) -> UInt64 in
        var lanes: UInt64 = 0
        for lane in 0..<8 where byte & (0x80 >> lane) != 0 { lanes |= 1 << UInt64(8 * lane) }
        return lanes
    }

    /// The mask as row-major booleans.
    public func toBools() -> [Bool] {
        var values = [Bool](repeating: false, count: count)
        for row in 0..<rows {
            for col in 0..<cols { values[row * cols + col] = self[row, col] }
        }
        return values
    }
}

/// Packed mask bytes that do not describe a valid mask.
public struct MaskFormatError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension KeepMask {
    /// The sub-mask of the given columns (all rows).
    public func columns(_ range: Range<Int>) -> KeepMask {
        precondition(range.lowerBound >= 0 && range.upperBound <= cols && !range.isEmpty, "columns \(range) outside 0..<\(cols)")
        if range == 0..<cols { return self }
        var result = KeepMask(rows: rows, cols: range.count, keep: false)
        let start = range.lowerBound
        for row in 0..<rows {
            for column in range where self[row, column] { result[row, column - start] = true }
        }
        return result
    }
}
