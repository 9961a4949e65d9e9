import Dispatch

/// Independent per-row work spread over the cores.
enum Parallel {
    /// `(0..<count).map(transform)`, with the calls made concurrently (each writes only its own slot).
    static func map<T>(_ count: Int, _ transform: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { results in
            withoutActuallyEscaping(transform) { transform in
                nonisolated(unsafe) let (results, transform) = (results, transform)
                DispatchQueue.concurrentPerform(iterations: count) { index in results[index] = transform(index) }
            }
        }
        return results.map { $0! }
    }
}
