import Traces

extension Matrix {
    /// Zeroes the entries `mask` prunes, in place (no copy when this matrix is the only holder of
    /// its values). The shapes must match.
    public mutating func zeroPruned(by mask: KeepMask) {
        precondition(rows == mask.rows && cols == mask.cols, "a \(mask.rows)×\(mask.cols) mask on a \(rows)×\(cols) matrix")
        let cols = cols
        values.withUnsafeMutableBufferPointer { values in
            for row in 0..<mask.rows {
                for col in 0..<cols where !mask[row, col] { values[row * cols + col] = 0 }
            }
        }
    }

    /// A copy with the entries `mask` prunes zeroed.
    public func zeroingPruned(by mask: KeepMask) -> Matrix {
        var result = self
        result.zeroPruned(by: mask)
        return result
    }
}
