/// A dense row-major `Float` matrix: the unit of work handed to BLAS.
///
/// Row-major matches both the weight layout of checkpoints (C_out × C_in) and
/// activations (tokens × channels), so no copy is needed at the boundaries.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public var values: [Float]

    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        values = [Float](repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "\(values.count) values for a \(rows)×\(cols) matrix")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// A matrix whose values are left as memory had them, for outputs that are written in full
    /// before being read (a gemm with beta 0): no pass to zero them first.
    public static func uninitialized(rows: Int, cols: Int) -> Matrix {
        Matrix(rows: rows, cols: cols, values: [Float](unsafeUninitializedCapacity: rows * cols) { _, count in count = rows * cols })
    }

    public static func identity(_ n: Int) -> Matrix {
        var matrix = Matrix(rows: n, cols: n)
        for i in 0..<n { matrix[i, i] = 1 }
        return matrix
    }

    @inline(__always)
    public subscript(row: Int, col: Int) -> Float {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    public var isSquare: Bool { rows == cols }

    public func transposed() -> Matrix {
        var result = Matrix(rows: cols, cols: rows)
        for r in 0..<rows {
            for c in 0..<cols { result.values[c * rows + r] = values[r * cols + c] }
        }
        return result
    }

    /// This matrix with `other`'s rows below it.
    public func appendingRows(_ other: Matrix) -> Matrix {
        precondition(cols == other.cols, "\(cols) vs \(other.cols) columns")
        return Matrix(rows: rows + other.rows, cols: cols, values: values + other.values)
    }

    /// Largest absolute entry-wise difference; for comparing with reference results.
    public func maxAbsDifference(_ other: Matrix) -> Float {
        precondition(rows == other.rows && cols == other.cols, "shapes differ")
        return zip(values, other.values).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
