import SparsimSupport
import Testing
@testable import Traces

@Suite struct KeepMaskTests {
    @Test func packsMostSignificantBitFirstLikeNumPy() throws {
        // np.packbits([[1,0,0,0,0,0,0,1, 1,1]], axis=1) == [[0x81, 0xC0]]
        let mask = KeepMask(rows: 1, cols: 10, values: [true, false, false, false, false, false, false, true, true, true])
        #expect(mask.packed == [0x81, 0xC0])
        #expect(mask.nonzeroCount == 4)
    }

    @Test func countsMatchBruteForce() {
        var generator = SeededGenerator(seed: 7)
        for (rows, cols) in [(1, 1), (1, 17), (9, 1), (13, 29), (64, 64), (5, 100)] {
            let values = (0..<rows * cols).map { _ in generator.nextUnit() < 0.37 }
            let mask = KeepMask(rows: rows, cols: cols, values: values)
            #expect(mask.toBools() == values)
            #expect(mask.nonzeroCount == values.filter { $0 }.count)
            let rowCounts = (0..<rows).map { r in (0..<cols).filter { values[r * cols + $0] }.count }
            let colCounts = (0..<cols).map { c in (0..<rows).filter { values[$0 * cols + c] }.count }
            #expect(mask.rowCounts() == rowCounts)
            #expect(mask.columnCounts() == colCounts)
        }
    }

    @Test func allOnesLeavesPaddingClear() throws {
        let mask = KeepMask(rows: 3, cols: 11, keep: true)
        #expect(mask.nonzeroCount == 33)
        #expect(mask.packed == [0xFF, 0xE0, 0xFF, 0xE0, 0xFF, 0xE0])
        // Re-adopting the bytes passes the padding check.
        #expect(try KeepMask(rows: 3, cols: 11, packed: mask.packed) == mask)
    }

    @Test func rejectsBadPackedBytes() {
        #expect(throws: MaskFormatError.self) { try KeepMask(rows: 2, cols: 9, packed: [0, 0, 0]) }
        // Column 9 of a 9-column row is padding.
        #expect(throws: MaskFormatError.self) { try KeepMask(rows: 1, cols: 9, packed: [0, 0x40]) }
    }
}
