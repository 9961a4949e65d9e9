import Dispatch

/// Independent work spread over the cores: the one parallel loop every module uses.
///
/// The closures run concurrently; each call may write only what is its own (its slot of a result,
/// its rows of an output). They are not required to be `Sendable` because the callers hand them
/// disjoint parts of a buffer, which the type system cannot express.
public enum Parallel {
    /// `(0..<count).map(transform)`, with the calls made concurrently; results keep their order.
    public static func map<T>(_ count: Int, _ transform: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { results in
            nonisolated(unsafe) let results = results
            forEach(count) { index in results[index] = transform(index) }
        }
        return results.map { $0! }
    }

    /// `for index in 0..<count { body(index) }`, with the calls made concurrently.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: count) { body($0) }
        }
    }
}
