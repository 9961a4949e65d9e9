/// Orderings the pruning methods share. Ties are everywhere in the shipped model (its 4-bit
/// weights take 16 values per 32-weight block), so every ordering is stable: among equal scores the
/// lower index comes first, as `torch.sort(..., stable=True)` orders them.
enum Ranking {
    /// Indices of `scores`, ascending by score, ties by index: a least-significant-digit radix sort
    /// of the scores' ordered bits, one byte a pass. Each pass is stable and the indices start in
    /// order, so ties keep it; a pass whose byte is the same for every score (the sign and the
    /// exponent's high bits usually are) is skipped. Linear in the row, ~3× faster than sorting
    /// packed (score, index) keys at BESA's row lengths.
    static func ascending(_ scores: UnsafeBufferPointer<Float>) -> [Int32] {
        let count = scores.count
        precondition(count < 1 << 31, "row too long for 32-bit indices")
        var keys = scores.map(orderedBits), order = (0..<Int32(count)).map { $0 }
        var spareKeys = [UInt32](repeating: 0, count: count), spareOrder = [Int32](repeating: 0, count: count)
        // The four bytes' histograms in one pass over the keys.
        var histograms = [Int](repeating: 0, count: 4 * 256)
        for key in keys { for byte in 0..<4 { histograms[byte << 8 | Int(key >> (8 * byte) & 0xFF)] += 1 } }
        for byte in 0..<4 {
            let histogram = histograms[byte << 8..<(byte + 1) << 8]
            guard !histogram.contains(count) else { continue }  // one bucket holds every key: nothing moves
            var next = [Int](repeating: 0, count: 256), start = 0
            for (bucket, size) in histogram.enumerated() { (next[bucket], start) = (start, start + size) }
            keys.withUnsafeBufferPointer { keys in
            order.withUnsafeBufferPointer { order in
            spareKeys.withUnsafeMutableBufferPointer { toKeys in
            spareOrder.withUnsafeMutableBufferPointer { toOrder in
                for i in 0..<count {
                    let bucket = Int(keys[i] >> (8 * byte) & 0xFF), slot = next[bucket]
                    (toKeys[slot], toOrder[slot]) = (keys[i], order[i])
                    next[bucket] = slot + 1
                }
            }}}}
            swap(&keys, &spareKeys)
            swap(&order, &spareOrder)
        }
        return order
    }

    /// The first `count` indices of `ascending(scores)`, in no particular order: a quickselect on the
    /// packed keys, linear instead of a sort's n log n (Wanda and magnitude need only the set).
    static func lowest(_ count: Int, of scores: UnsafeBufferPointer<Float>) -> [Int] {
        precondition(count >= 0 && count <= scores.count)
        guard count > 0 else { return [] }
        var keys = packedKeys(scores)
        keys.withUnsafeMutableBufferPointer { select(count - 1, in: $0) }
        return keys.prefix(count).map(index(ofKey:))
    }

    /// Score bits above, index below: integer order = ascending score, ties by index.
    static func packedKeys(_ scores: UnsafeBufferPointer<Float>) -> [UInt64] {
        precondition(scores.count <= 1 << 32, "row too long to pack its indices")
        return scores.enumerated().map { UInt64(orderedBits($0.element)) << 32 | UInt64($0.offset) }
    }

    @inline(__always)
    static func index(ofKey key: UInt64) -> Int { Int(key & 0xFFFF_FFFF) }

    /// Rearranges `keys` so that position `k` holds the key a sort would put there, with no larger
    /// key before it and no smaller after (Hoare's selection, median-of-three pivots).
    static func select<Key: Comparable>(_ k: Int, in keys: UnsafeMutableBufferPointer<Key>) {
        var (low, high) = (0, keys.count - 1)
        while low < high {
            let middle = low + (high - low) / 2
            // Median of three into keys[middle], the pivot.
            if keys[middle] < keys[low] { keys.swapAt(middle, low) }
            if keys[high] < keys[low] { keys.swapAt(high, low) }
            if keys[high] < keys[middle] { keys.swapAt(high, middle) }
            let pivot = keys[middle]
            var (i, j) = (low, high)
            while i <= j {
                while keys[i] < pivot { i += 1 }
                while keys[j] > pivot { j -= 1 }
                if i <= j {
                    keys.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            // Now keys[low...j] ≤ pivot ≤ keys[i...high], and j < k < i means keys[k] is the pivot.
            if k <= j { high = j } else if k >= i { low = i } else { return }
        }
    }

    /// The float's bits, mapped so that unsigned integer order is float order (−0 counts as +0,
    /// as comparison does): negatives have all bits flipped, non-negatives the sign bit set.
    @inline(__always)
    static func orderedBits(_ value: Float) -> UInt32 {
        let bits = (value + 0).bitPattern  // −0 + 0 = +0
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    /// The value at position `rank` of the ascending order of `scores` (ties do not matter for a value).
    static func value(atRank rank: Int, of scores: [Float]) -> Float {
        precondition(rank >= 0 && rank < scores.count)
        var values = scores
        return values.withUnsafeMutableBufferPointer { values in
            select(rank, in: values)
            return values[rank]
        }
    }

    /// Prunes, in each aligned group of `m` entries of `row`, the `n` with the smallest score.
    static func nOfM(scores: UnsafeBufferPointer<Float>, n: Int, m: Int, keep: inout KeepRow) {
        precondition(scores.count % m == 0, "N:M needs C_in divisible by M")
        for start in stride(from: 0, to: scores.count, by: m) {
            let group = UnsafeBufferPointer(rebasing: scores[start..<start + m])
            for offset in lowest(n, of: group) { keep[start + offset] = false }
        }
    }
}

/// One row of keep flags, written into a mask afterwards.
struct KeepRow {
    var values: [Bool]
    init(count: Int) { values = [Bool](repeating: true, count: count) }
    subscript(index: Int) -> Bool {
        get { values[index] }
        set { values[index] = newValue }
    }
}
