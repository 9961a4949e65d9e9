/// A binary min-heap: the smallest element first. Used wherever work is handed out by priority
/// (BPE merges, the simulator's least-loaded PE line).
public struct BinaryHeap<Element: Comparable> {
    private var items: [Element]

    public init() { items = [] }

    /// A heap of `count` copies of `value` (already a valid heap).
    public init(repeating value: Element, count: Int) { items = Array(repeating: value, count: count) }

    public var isEmpty: Bool { items.isEmpty }
    public var min: Element? { items.first }

    public mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    public mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        siftDown(0)
        return top
    }

    /// Replaces the smallest element (one sift instead of a pop and a push).
    public mutating func replaceMin(with item: Element) {
        precondition(!items.isEmpty, "replaceMin on an empty heap")
        items[0] = item
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
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
