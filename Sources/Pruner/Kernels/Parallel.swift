import Dispatch

/// Independent per-row work spread over the cores.
enum Parallel {
    /// `(0..<count).map(transform)`, with the calls made concurrently (each writes only its own slot).
    static func map<T>(_ count: Int, _ transform: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { results in
            nonisolated(unsafe) let results = results
            forEach(count) { index in results[index] = transform(index) }
        }
        return results.map { $0! }
    }

    /// `for index in 0..<count { body(index) }`, with the calls made concurrently (each must
    /// write only what is its own).
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: count) { body($0) }
        }
    }
}
