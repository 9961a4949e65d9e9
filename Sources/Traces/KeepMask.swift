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
        var counts = [Int](repeating: 0, count: cols)
        packed.withUnsafeBufferPointer { bytes in
            for row in 0..<rows {
                let start = row * bytesPerRow
                for byteIndex in 0..<bytesPerRow {
                    var byte = bytes[start + byteIndex]
                    while byte != 0 {
                        let bit = byte.leadingZeroBitCount
                        counts[byteIndex * 8 + bit] += 1
                        byte &= ~(0x80 >> UInt8(bit))
                    }
                }
            }
        }
        return counts
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
