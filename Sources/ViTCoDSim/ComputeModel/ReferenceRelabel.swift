import Traces

/// Reproduces, exactly, how BESA's `hw_sim/reorder.py` moves dense columns to the front.
///
/// It swaps label i with the i-th dense column's label h through the temporary value 200:
/// `v == i → 200; v == h → i; v == 200 → h`, applied to column *and* row labels of every kept entry,
/// then writes the entries into a fresh matrix, silently dropping those relabeled past its edge.
/// Anything already labeled 200 (real column/row 200, or a label parked there) is merged; rows are
/// permuted although only columns should be. The sparse engine then gets the kept entries of
/// columns ≥ G of that matrix. Only the count of those entries matters for the cycle model.
enum ReferenceRelabel {
    static let temporaryLabel = 200

    /// Number of distinct kept positions in columns ≥ G after the reference's relabeling.
    static func sparseKeptAfterRelabel(mask: KeepMask, denseColumns: [Int]) -> Int {
        let rows = mask.rows, cols = mask.cols
        let labels = finalLabels(count: max(rows, cols, temporaryLabel + 1), denseColumns: denseColumns)
        let g = denseColumns.count

        // Original columns landing in the sparse region, grouped by their new label.
        var columnsByLabel: [Int: [Int]] = [:]
        for column in 0..<cols where labels[column] >= g && labels[column] < cols {
            columnsByLabel[labels[column], default: []].append(column)
        }
        var single = [UInt64](repeating: 0, count: (cols + 63) / 64)
        var merged: [[Int]] = []
        for (_, columns) in columnsByLabel {
            if columns.count == 1 {
                single[columns[0] >> 6] |= 1 << UInt64(columns[0] & 63)
            } else {
                merged.append(columns)
            }
        }
        // Original rows grouped by new row label; rows relabeled past the edge are dropped.
        var rowsByLabel: [Int: [Int]] = [:]
        for row in 0..<rows where labels[row] < rows {
            rowsByLabel[labels[row], default: []].append(row)
        }

        let words = rowWords(mask)
        let wordsPerRow = single.count
        var count = 0
        var combined = [UInt64](repeating: 0, count: wordsPerRow)
        for (_, members) in rowsByLabel {
            for w in 0..<wordsPerRow { combined[w] = 0 }
            for row in members {
                for w in 0..<wordsPerRow { combined[w] |= words[row * wordsPerRow + w] }
            }
            for w in 0..<wordsPerRow { count += (combined[w] & single[w]).nonzeroBitCount }
            for group in merged where group.contains(where: { combined[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }) {
                count += 1
            }
        }
        return count
    }

    /// The label each original index ends with after the swap sequence (values past the matrix
    /// matter: label 200 exists even in a smaller matrix).
    static func finalLabels(count: Int, denseColumns: [Int]) -> [Int] {
        var members: [[Int]] = (0..<count).map { [$0] }
        func move(_ from: Int, _ to: Int) {
            guard from != to, !members[from].isEmpty else { return }
            members[to].append(contentsOf: members[from])
            members[from] = []
        }
        for (i, h) in denseColumns.enumerated() {
            move(i, temporaryLabel)
            move(h, i)
            move(temporaryLabel, h)
        }
        var labels = [Int](repeating: 0, count: count)
        for (label, originals) in members.enumerated() {
            for original in originals { labels[original] = label }
        }
        return labels
    }

    /// The mask's rows as little-endian 64-bit words (bit c of word c/64 = column c).
    static func rowWords(_ mask: KeepMask) -> [UInt64] {
        let wordsPerRow = (mask.cols + 63) / 64
        var words = [UInt64](repeating: 0, count: mask.rows * wordsPerRow)
        mask.packed.withUnsafeBufferPointer { bytes in
            for row in 0..<mask.rows {
                for byteIndex in 0..<mask.bytesPerRow {
                    var byte = bytes[row * mask.bytesPerRow + byteIndex]
                    while byte != 0 {
                        let bit = byte.leadingZeroBitCount
                        let column = byteIndex * 8 + bit
                        words[row * wordsPerRow + column >> 6] |= 1 << UInt64(column & 63)
                        byte &= ~(0x80 >> UInt8(bit))
                    }
                }
            }
        }
        return words
    }
}
