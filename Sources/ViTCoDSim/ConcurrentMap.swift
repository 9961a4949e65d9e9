import Dispatch

/// `(0..<count).map(transform)` on all cores; results keep their order. A transform that can fail
/// returns a `Result`.
public func concurrentMap<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
    let slots = ResultSlots<T>(count)
    DispatchQueue.concurrentPerform(iterations: count) { index in
        slots.set(index, transform(index))
    }
    return (0..<count).map { slots.value($0) }
}

/// Each index is written by exactly one iteration and read only after all have finished, so the
/// slots need no lock.
private final class ResultSlots<T>: @unchecked Sendable {
    private let count: Int
    private let base: UnsafeMutablePointer<T?>

    init(_ count: Int) {
        self.count = max(count, 1)
        base = UnsafeMutablePointer<T?>.allocate(capacity: self.count)
        base.initialize(repeating: nil, count: self.count)
    }

    func set(_ index: Int, _ value: T) { base[index] = value }
    func value(_ index: Int) -> T { base[index]! }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
