import Testing
import Traces
@testable import ViTCoDSim

/// Small cases of the mapper's dataflows worked out by hand, cycle by cycle (the machine is
/// `FullModelTests.toy`: 2×4 PEs, 2 bytes per cycle, halves of 12 B weights, 8 B inputs, 1 B index).
@Suite struct DataflowTests {
    /// W (4×4), kept:   1 1 1 0 / 1 1 0 0 / 1 1 0 1 / 1 0 0 0   column counts 4 3 1 1, 9 kept.
    static let mask: KeepMask = {
        let rows: [[Bool]] = [[true, true, true, false], [true, true, false, false],
                              [true, true, false, true], [true, false, false, false]]
        return KeepMask(rows: 4, cols: 4) { rows[$0][$1] }
    }()

    static func allSparse(_ lines: LineDimension) -> Mapping {
        Mapping(partitions: [ColumnPartition(columns: 0..<4, denseColumns: 0, densePEColumns: 0)],
                sparseLines: lines, rowTile: 4, tokenTile: 2)
    }

    @Test func sparseLinesAlongTokens() {
        // Everything on the sparse engine, 4 lines along tokens, one 4-row × 2-token block.
        // Steps: all columns at once would be 18 B of values, 2 B of bitmap, 16 B of inputs; two
        // columns still overflow (column 0 + 1: 14 B of values), so one column per step:
        //   column 0: 4 kept → 8 B values + 0.5 B bitmap + 4 B inputs = 12.5 B → 6.25 cycles
        //   column 1: 3 kept → 6 B + 0.5 B + 4 B = 10.5 B → 5.25 cycles; columns 2, 3: 1 kept → 3.25 each.
        // Engine per step: kept weights dealt to 4 lines, ceil(kept / 4) = 1 cycle per pass of 2
        // tokens, one pass: 1 cycle each.
        // Loads [0, 6.25] [6.25, 11.5] [11.5, 14.75] [14.75, 18] (step s waits for s − 2: done at
        // 7.25 and 12.5, earlier than the channel frees); computes end 7.25, 12.5, 15.75, 19;
        // outputs 2 × 4 × 2 B = 16 B [19, 27] → 27 cycles.
        let config = FullModelTests.toy
        let model = FullModel(config: config)
        let layer = LayerGeometry(mask: Self.mask, peRows: config.peRows, groupSize: 0)
        let run = model.play(Self.allSparse(.tokens), on: layer, valueBits: 16)
        #expect(run.traffic == TrafficBytes(weightValues: 18, weightMetadata: 2, inputs: 16, outputs: 16))
        #expect(run.cycles == 27)
        #expect(run.computeCycles == 4)
        #expect(run.memoryCycles == 26)
        // Peak ceil(9 · 2 / 8) = 3; split 9 / (4 · 2) per token · 2 = 2.25 → 3; mapping 4 × 1.
        #expect(run.ladder == BoundLadder(peak: 3, engineSplit: 3, mapping: 4, imbalance: 4, bandwidth: 27))

        // The same steps with lines along rows: one column per step on one line, ceil(kept / 2)
        // cycles per token: 4, 4, 2, 2 cycles for the two tokens, on four lines.
        // Computes [6.25, 10.25] [11.5, 15.5]; load 2 [11.5, 14.75] → [14.75, 16.75]; load 3 waits
        // for step 1 (15.5) → [15.5, 18.75] → [18.75, 20.75]; outputs [20.75, 28.75] → 29 cycles.
        let rows = model.play(Self.allSparse(.rows), on: layer, valueBits: 16)
        #expect(rows.traffic == run.traffic)
        #expect(rows.cycles == 29)
        #expect(rows.ladder.mapping == 3)  // 12 line-cycles over 4 lines
    }

    @Test func weightsStayOnChipAcrossTokenTiles() {
        // Rows outermost with 1-token tiles: two blocks share the row tile. The row tile's weights
        // (18 B values ≤ 24 B, 2 B bitmap ≤ 2 B) fit, so the second block loads only its inputs.
        let config = FullModelTests.toy
        let layer = LayerGeometry(mask: Self.mask, peRows: config.peRows, groupSize: 0)
        var mapping = Self.allSparse(.tokens)
        mapping.tokenTile = 1
        mapping.loopOrder = .weightsStay
        let kept = FullModel(config: config).play(mapping, on: layer, valueBits: 16)
        #expect(kept.traffic == TrafficBytes(weightValues: 18, weightMetadata: 2, inputs: 16, outputs: 16))
        mapping.loopOrder = .streaming
        let streamed = FullModel(config: config).play(mapping, on: layer, valueBits: 16)
        #expect(streamed.traffic == TrafficBytes(weightValues: 36, weightMetadata: 4, inputs: 16, outputs: 16))
        #expect(kept.cycles < streamed.cycles)
    }

    @Test func structuredDatapathRunsTheCompressedMatrix() {
        // 2 rows × 8 columns, 2 of every 4 kept: groups compress to 2 slots each, 4 engine columns.
        // One group per step (its 4 inputs fill the 8 B input half at one token): 2 rows × 2 slots
        // × 2 B = 8 B values + 2 rows × 2 slots × 2 bits = 1 B metadata + 4 × 2 B inputs = 17 B.
        // Dense engine along rows: ceil(2 / 2) · ceil(2 / 4) = 1 cycle per token per step.
        let keep: [[Bool]] = [[true, false, true, false, false, true, true, false],
                              [false, true, true, false, true, false, false, true]]
        let mask = KeepMask(rows: 2, cols: 8) { keep[$0][$1] }
        let config = FullModelTests.toy
        let layer = LayerGeometry(mask: mask, peRows: config.peRows, groupSize: 4)
        #expect(layer.structuredSlots == 2)
        let mapping = Mapping(partitions: [ColumnPartition(columns: 0..<8, denseColumns: 8, densePEColumns: 4)],
                              rowTile: 2, tokenTile: 1, structured: true)
        let run = FullModel(config: config).play(mapping, on: layer, valueBits: 16)
        // Two token tiles × two steps, 8.5 cycles of loading each; outputs 1 token × 2 rows × 2 B.
        // Loads [0, 8.5] [8.5, 17] → computes end 9.5, 18; block 0's outputs wait for the channel:
        // load 2 [17, 25.5] → 26.5; write [25.5, 27.5]; load 3 [27.5, 36] → 37; write [37, 39].
        #expect(run.traffic == TrafficBytes(weightValues: 32, weightMetadata: 4, inputs: 32, outputs: 8))
        #expect(run.cycles == 39)
        #expect(run.computeCycles == 4)
        // The same matrix uncompressed on the dense engine: 32 B of values need 3 steps (3, 3 and 2
        // columns, 12 B at most), 1 cycle per token each: 6 cycles against the datapath's 4.
        let dense = Mapping(partitions: [ColumnPartition(columns: 0..<8, denseColumns: 8, densePEColumns: 4)],
                            rowTile: 2, tokenTile: 1)
        #expect(FullModel(config: config).play(dense, on: layer, valueBits: 16, baseline: true).computeCycles == 6)
    }
}
