import SparsimSupport
import Traces

/// Calibration windows: `count` windows of `seqlen` tokens, each starting at a seeded random
/// offset in the tokenized calibration text (as the references draw from C4: start uniform in
/// [0, n − seqlen − 1]).
public enum Calibration {
    public static func windows(_ tokens: [Int32], count: Int, seqlen: Int, seed: UInt64) -> [[Int32]] {
        precondition(tokens.count > seqlen, "calibration text shorter than one window")
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let start = Int(generator.next() % UInt64(tokens.count - seqlen))
            return Array(tokens[start..<start + seqlen])
        }
    }
}

/// What the pruners need to know about a linear layer's inputs over the calibration windows.
public struct InputStatistics: Sendable {
    /// Σ over windows of Σ_tokens x_tj², per input channel (Wanda divides by the window count).
    public private(set) var squaredSums: [Float]
    /// Σ over windows of XᵀX (C_in × C_in), when asked for (SparseGPT).
    public private(set) var gram: Matrix?
    public private(set) var windows = 0

    public init(channels: Int, withGram: Bool) {
        squaredSums = [Float](repeating: 0, count: channels)
        gram = withGram ? Matrix(rows: channels, cols: channels) : nil
    }

    public mutating func add(_ x: Matrix) {
        precondition(x.cols == squaredSums.count)
        x.values.withUnsafeBufferPointer { values in
            for row in 0..<x.rows {
                for col in 0..<x.cols { squaredSums[col] += values[row * x.cols + col] * values[row * x.cols + col] }
            }
        }
        if gram != nil { BLAS.accumulateGram(x, into: &gram!) }
        windows += 1
    }

    /// Wanda's norm2_j: the mean over windows of Σ_tokens x_tj².
    public var meanSquaredNorms: [Float] { squaredSums.map { $0 / Float(max(windows, 1)) } }

    /// SparseGPT's H = (2/N) Σ XᵀX.
    public var hessian: Matrix {
        var h = gram!
        let scale = 2 / Float(max(windows, 1))
        for i in h.values.indices { h.values[i] *= scale }
        return h
    }
}
