import Foundation
import SparsimSupport

/// A first-order optimizer over one flat vector of parameters (BESA's sparsity logits of a block).
public protocol LogitOptimizer {
    mutating func step(_ parameters: inout [Double], gradient: [Double])
}

/// Which optimizer learns BESA's logits.
public enum OptimizerChoice: Codable, Sendable, Equatable {
    /// Prodigy (Mishchenko & Defazio 2023), as the BESA reference uses it: lr 1, no weight decay,
    /// no bias correction; `dCoef` scales the estimated step size.
    case prodigy(dCoef: Double)
    /// Adam with a fixed step size.
    case adam(learningRate: Double)

    func make(parameterCount: Int) -> any LogitOptimizer {
        switch self {
        case .prodigy(let dCoef): Prodigy(parameterCount: parameterCount, dCoef: dCoef)
        case .adam(let learningRate): Adam(parameterCount: parameterCount, learningRate: learningRate)
        }
    }
}

/// Adam (Kingma & Ba) with bias correction.
public struct Adam: LogitOptimizer {
    public let learningRate: Double
    let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    private var first: [Double]
    private var second: [Double]
    private var steps = 0

    public init(parameterCount: Int, learningRate: Double) {
        self.learningRate = learningRate
        first = [Double](repeating: 0, count: parameterCount)
        second = first
    }

    public mutating func step(_ parameters: inout [Double], gradient: [Double]) {
        precondition(parameters.count == first.count && gradient.count == first.count)
        steps += 1
        let correction1 = 1 - pow(beta1, Double(steps)), correction2 = 1 - pow(beta2, Double(steps))
        for i in parameters.indices {
            first[i] = beta1 * first[i] + (1 - beta1) * gradient[i]
            second[i] = beta2 * second[i] + (1 - beta2) * gradient[i] * gradient[i]
            parameters[i] -= learningRate * (first[i] / correction1) / ((second[i] / correction2).squareRoot() + epsilon)
        }
    }
}

/// Prodigy: Adam whose step size d is estimated from the run itself (arXiv 2306.06101), in the
/// form of the `prodigyopt` package's default settings (β3 = √β2, d0 = 1e-6, unbounded growth,
/// no bias correction, no safeguard warm-up, no weight decay).
///
/// d only grows: d̂ = d_coef · Σ_t (d_t/d0) dlr_t ⟨g_t, x0 − x_t⟩ (β3-discounted) / ‖s‖₁, where s
/// is the β3-discounted sum of (d_t/d0) dlr_t g_t; d is the largest d̂ so far (never below d0).
public struct Prodigy: LogitOptimizer {
    public let learningRate: Double
    public let dCoef: Double
    let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, d0 = 1e-6
    var beta3: Double { beta2.squareRoot() }
    /// The current step-size estimate.
    public private(set) var d: Double
    private var numerator = 0.0
    private var initial: [Double]?
    private var s: [Double]
    private var first: [Double]
    private var second: [Double]

    public init(parameterCount: Int, learningRate: Double = 1, dCoef: Double = 1) {
        self.learningRate = learningRate
        self.dCoef = dCoef
        d = d0
        s = [Double](repeating: 0, count: parameterCount)
        first = s
        second = s
    }

    public mutating func step(_ parameters: inout [Double], gradient: [Double]) {
        precondition(parameters.count == s.count && gradient.count == s.count)
        if initial == nil { initial = parameters }
        let x0 = initial!
        let dlr = d * learningRate
        let weight = d / d0 * dlr
        numerator *= beta3
        let (beta1, beta2, beta3, current, count) = (beta1, beta2, beta3, d, s.count)
        // Raw pointers: the half-million logits of a row-wise block make bounds and exclusivity
        // checks on five arrays a measurable part of a step. Fixed chunks on all cores, their
        // partial sums added in chunk order: the same result on any number of cores.
        let chunks = Self.chunks(count)
        let sums: [(numerator: Double, denominator: Double)] = x0.withUnsafeBufferPointer { x0 in
        gradient.withUnsafeBufferPointer { gradient in
        parameters.withUnsafeBufferPointer { parameters in
        first.withUnsafeMutableBufferPointer { first in
        second.withUnsafeMutableBufferPointer { second in
        s.withUnsafeMutableBufferPointer { s in
            nonisolated(unsafe) let (x0, gradient, parameters) = (x0.baseAddress!, gradient.baseAddress!, parameters.baseAddress!)
            nonisolated(unsafe) let (first, second, s) = (first.baseAddress!, second.baseAddress!, s.baseAddress!)
            return Parallel.map(chunks.count) { chunk in
                var numerator = 0.0, denominator = 0.0
                for i in chunks[chunk] {
                    let g = gradient[i]
                    numerator += weight * g * (x0[i] - parameters[i])
                    first[i] = beta1 * first[i] + current * (1 - beta1) * g
                    second[i] = beta2 * second[i] + current * current * (1 - beta2) * g * g
                    s[i] = beta3 * s[i] + weight * g
                    denominator += abs(s[i])
                }
                return (numerator, denominator)
            }
        }}}}}}
        numerator += sums.reduce(0) { $0 + $1.numerator }
        let denominator = sums.reduce(0) { $0 + $1.denominator }
        // No gradient at all: nothing to learn from, and d̂ would divide by zero.
        guard denominator > 0 else { return }
        // With unbounded growth the estimate is the largest d̂ seen so far.
        d = max(d, dCoef * numerator / denominator)
        let (updated, epsilon) = (d, epsilon)
        first.withUnsafeBufferPointer { first in
        second.withUnsafeBufferPointer { second in
        parameters.withUnsafeMutableBufferPointer { parameters in
            nonisolated(unsafe) let (first, second, parameters) = (first.baseAddress!, second.baseAddress!, parameters.baseAddress!)
            Parallel.forEach(chunks.count) { chunk in
                for i in chunks[chunk] { parameters[i] -= dlr * first[i] / (second[i].squareRoot() + updated * epsilon) }
            }
        }}}
    }

    /// 16 near-equal ranges covering 0..<count (fewer for small counts).
    static func chunks(_ count: Int) -> [Range<Int>] {
        let pieces = max(1, min(16, count / 1024))
        return (0..<pieces).map { count * $0 / pieces..<count * ($0 + 1) / pieces }
    }
}
