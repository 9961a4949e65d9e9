/// A binary min-heap: the smallest element first. Used wherever work is handed out by priority
/// (BPE merges, the simulator's least-loaded PE line).
///
/// Every member is `@inlinable`: a generic that is not is compiled once, unspecialized, in this
/// module, and each comparison then goes through the witness table. The simulator's line scheduler
/// was 10× slower for it (see `sparsim bench simulate`).
public struct BinaryHeap<Element: Comparable> {
    @usableFromInline var items: [Element]

    @inlinable public init() { items = [] }

    /// A heap of `count` copies of `value` (already a valid heap).
    @inlinable public init(repeating value: Element, count: Int) { items = Array(repeating: value, count: count) }

    @inlinable public var isEmpty: Bool { items.isEmpty }
    @inlinable public var min: Element? { items.first }

    @inlinable public mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    @inlinable public mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        siftDown(0)
        return top
    }

    /// Replaces the smallest element (one sift instead of a pop and a push).
    @inlinable public mutating func replaceMin(with item: Element) {
        precondition(!items.isEmpty, "replaceMin on an empty heap")
        items[0] = item
        siftDown(0)
    }

    @inlinable mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && items[left] < items[smallest] { smallest = left }
            if right < items.count && items[right] < items[smallest] { smallest = right }
            if smallest == parent { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
