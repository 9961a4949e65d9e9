import Testing
import Traces
@testable import ViTCoDSim

@Suite struct FullModelTests {
    /// A toy machine small enough to follow by hand: 2×4 PEs, 2 bytes per cycle, buffers of a few bytes.
    static var toy: HardwareConfig {
        var config = HardwareConfig()
        config.peRows = 2
        config.peColumns = 4
        config.clockMHz = 500
        config.dramGBps = 1  // 1e9 / 500e6 = 2 bytes per cycle
        config.weightBufferKiB = 24.0 / 1024
        config.inputBufferKiB = 16.0 / 1024
        config.indexBufferKiB = 2.0 / 1024
        config.outputBufferKiB = 64.0 / 1024
        config.tokens = 2
        return config
    }

    @Test func tinyMatrixStepByStep() {
        // W (4×4), kept:   1 1 1 0 / 1 1 0 0 / 1 1 0 1 / 1 0 0 0   column counts 4 3 1 1, 9 kept.
        let rows: [[Bool]] = [[true, true, true, false], [true, true, false, false],
                              [true, true, false, true], [true, false, false, false]]
        let mask = KeepMask(rows: 4, cols: 4) { rows[$0][$1] }
        let config = Self.toy
        let compute = ComputeModel(config: config).simulate(mask, projection: .q)
        // Ratio search: r = 0.5…0.7 → columns {0, 1} dense (count > 2, 2.4, 2.8), G = 2, S = 2, share 7/9;
        // PE split 4 · 8/10 = 3.2 → 3 dense / 1 sparse: dense ceil(8 / 6) = 2, sparse ceil(2 / 2) = 1.
        // r = 0.8 → only column 0 (G = 1, S = 5): 2 cycles, no better; share 4/9 stops the search.
        #expect(compute.tiles == [EngineSplit(denseColumns: 2, denseKept: 7, sparseKept: 2, densePEColumns: 3,
                                              sparsePEColumns: 1, denseWork: 8, denseCycles: 2, sparseCycles: 1)])
        let full = FullModel(config: config).simulate(mask, projection: .q, compute: compute)

        // Tiling: 8 accumulators (32 B of fp32), so Nt = 4 rows, Mt = 2 tokens: one block.
        // Steps: halves are 12 B weights, 8 B inputs, 1 B index. All at once would be 20 B of values
        // ((2·4 + 2) · 2 B), so two steps: {dense col 0, sparse col 2} and {dense col 1, sparse col 3},
        // each 10 B values + 0.5 B bitmap (4 rows × 1 col) + 8 B inputs (2 tokens × 2 cols × 2 B) = 18.5 B.
        // Engines per token: dense ceil(4/2)·ceil(1/3) = 2, sparse ceil(1/2) = 1 → 2; × 2 tokens = 4.
        // Channel at 2 B/cycle: load 0 [0, 9.25], compute 0 [9.25, 13.25]; load 1 [9.25, 18.5],
        // compute 1 [18.5, 22.5]; outputs 2 × 4 × 2 B = 16 B [22.5, 30.5] → 31 cycles.
        #expect(full.sparse.tiling == Tiling(tokenTile: 2, rowTile: 4))
        #expect(full.sparse.traffic == TrafficBytes(weightValues: 20, weightMetadata: 1, inputs: 16, outputs: 16))
        #expect(full.sparse.cycles == 31)
        #expect(full.sparse.computeCycles == 8)
        #expect(full.sparse.memoryCycles == 27)  // 9.25 + 9.25 + 8 = 26.5
        #expect(full.sparse.isMemoryBound)
        // Ladder: peak ceil(9·2 / 8) = 3; split max(8/6, 2/2) · 2 = 2.67 → 3; mapping 2 steps × 2 × 2 = 8.
        #expect(full.sparse.ladder == BoundLadder(peak: 3, engineSplit: 3, mapping: 8, imbalance: 8, bandwidth: 31))

        // Dense: 4 columns of 8 B values; 2 columns (16 B) overflow the 12 B half, so 4 steps of one
        // column: 8 B + 4 B inputs = 12 B = 6 cycles each; compute ceil(4/2)·ceil(1/4) · 2 = 4 each.
        // Loads [0,6] [6,12] [12,18] [18,24] (load 2 waits for compute 0, done at 10; load 3 for
        // compute 1, done at 16); computes [6,10] [12,16] [18,22] [24,28]; outputs [28, 36].
        #expect(full.dense.cycles == 36)
        #expect(full.dense.traffic == TrafficBytes(weightValues: 32, weightMetadata: 0, inputs: 16, outputs: 16))
        #expect(full.speedup == 36.0 / 31.0)
    }

    @Test func fullyDenseMatrixHasSpeedupOne() {
        for tokens in [1, 64, 2048] {
            var config = HardwareConfig()
            config.tokens = tokens
            let report = Simulator(config: config, model: .full).simulate(LayerWorkload(id: LayerID(block: 0, projection: .up),
                                                                                       mask: KeepMask(rows: 384, cols: 256)))
            #expect(report.speedup == 1.0, "tokens \(tokens)")
            #expect(report.full!.sparse == report.full!.dense)
        }
    }

    @Test func allZeroMatrixStillMovesInputsAndBitmap() {
        var config = HardwareConfig()
        config.tokens = 1
        let report = Simulator(config: config, mapper: .fixed).simulate(LayerWorkload(id: LayerID(block: 0, projection: .q),
                                                                      mask: KeepMask(rows: 256, cols: 256, keep: false)))
        let run = report.full!.sparse
        #expect(run.computeCycles == 0)
        #expect(run.traffic.weightValues == 0)
        #expect(run.traffic.weightMetadata == 256 * 256 / 8)  // the bitmap says "nothing here"
        #expect(run.traffic.inputs == 256 * 2)
        #expect(run.isMemoryBound)
        #expect(report.speedup > 1)
    }

    @Test func decodeIsMemoryBoundAndSpeedupIsTheByteRatio() {
        // M = 1 on a 2048×2048 layer: 8 MiB of fp16 weights against 1024 compute cycles. The layer is
        // memory-bound, so the speedup is the ratio of bytes moved (up to the last step's compute
        // and the output write, which do not overlap with loading).
        var config = HardwareConfig()
        config.tokens = 1
        let mask = Masks.random(rows: 2048, cols: 2048, density: 0.5, seed: 11)
        let report = Simulator(config: config, mapper: .fixed).simulate(LayerWorkload(id: LayerID(block: 0, projection: .q), mask: mask))
        let full = report.full!
        #expect(full.sparse.isMemoryBound && full.dense.isMemoryBound)
        // Bytes by hand from the compute model's split: dense columns stored whole, the rest as
        // values plus a bitmap; inputs and outputs once (one row tile, one token).
        let split = report.compute.tiles[0]
        let sparseWeights = Double(2048 * split.denseColumns * 2 + split.sparseKept * 2)
        let bitmap = Double(2048 * (2048 - split.denseColumns)) / 8
        #expect(full.sparse.traffic == TrafficBytes(weightValues: sparseWeights, weightMetadata: bitmap,
                                                    inputs: 2048 * 2, outputs: 2048 * 2))
        #expect(full.dense.traffic.weightValues == 2048 * 2048 * 2)
        let byteRatio = full.dense.traffic.total / full.sparse.traffic.total
        #expect(abs(full.speedup / byteRatio - 1) < 0.005, "speedup \(full.speedup), byte ratio \(byteRatio)")
    }

    @Test func fourBitSparseWeightsAgainstTheSixteenBitDenseModel() {
        // The same decode step with the sparse layer's values at 4 bits: value bytes shrink 4×, the
        // bitmap and activations do not, the dense baseline stays the 16-bit model, and the
        // memory-bound speedup is again the byte ratio.
        var config = HardwareConfig()
        config.tokens = 1
        let mask = Masks.random(rows: 2048, cols: 2048, density: 0.5, seed: 11)
        let id = LayerID(block: 0, projection: .q)
        let sixteen = Simulator(config: config, mapper: .fixed).simulate(LayerWorkload(id: id, mask: mask)).full!
        let four = Simulator(config: config, mapper: .fixed).simulate(LayerWorkload(id: id, mask: mask, valueBits: 4)).full!
        #expect(four.dense == sixteen.dense)
        #expect(four.sparse.traffic.weightValues * 4 == sixteen.sparse.traffic.weightValues)
        #expect(four.sparse.traffic.weightMetadata == sixteen.sparse.traffic.weightMetadata)
        #expect(four.sparse.isMemoryBound)
        let byteRatio = four.dense.traffic.total / four.sparse.traffic.total
        #expect(abs(four.speedup / byteRatio - 1) < 0.005, "speedup \(four.speedup), byte ratio \(byteRatio)")
    }

    @Test func cscAtFiftyPercentCostsMostOfTheSavings() {
        // Issue's arithmetic: at 50% density fp16, a bitmap adds 1/16 of the dense bytes, CSC with
        // 13-bit indices (C_out = 8192) adds 13/32 of them plus pointers.
        let n = 8192, k = 64, kept = n * k / 2
        let denseBits = n * k * 16
        #expect(SparseFormat.bitmap.metadataBits(rows: n, columns: k, kept: kept, totalRows: n, groupSize: 0, pointerBits: 32) * 16 == denseBits)
        #expect(SparseFormat.csc.metadataBits(rows: n, columns: k, kept: kept, totalRows: n, groupSize: 0, pointerBits: 32) == kept * 13 + k * 32)
        #expect(SparseFormat.nm.metadataBits(rows: n, columns: k, kept: kept, totalRows: n, groupSize: 4, pointerBits: 32) == kept * 2)
        #expect(SparseFormat.bitsToIndex(4096) == 12 && SparseFormat.bitsToIndex(4097) == 13 && SparseFormat.bitsToIndex(2) == 1)
    }

    @Test func fullModelIsNeverFasterThanComputeModel() {
        for seed in 0..<12 as Range<UInt64> {
            for tokens in [1, 7, 300] {
                var config = HardwareConfig()
                config.tokens = tokens
                let mask = seed % 2 == 0 ? Masks.random(rows: 200, cols: 330, density: 0.3 + 0.05 * Double(seed), seed: seed)
                                         : Masks.skewed(rows: 330, cols: 200, seed: seed)
                for projection in [Projection.q, .down] {
                    let report = Simulator(config: config, mapper: .fixed).simulate(LayerWorkload(id: LayerID(block: 0, projection: projection), mask: mask))
                    let full = report.full!
                    #expect(full.sparse.cycles >= report.compute.cycles * tokens)
                    #expect(full.dense.cycles >= report.compute.denseCycles * tokens)
                    let ladder = full.sparse.ladder
                    #expect(ladder.peak <= ladder.engineSplit && ladder.engineSplit <= ladder.mapping
                            && ladder.mapping <= ladder.imbalance && ladder.imbalance <= ladder.bandwidth, "\(ladder)")
                }
            }
        }
    }

    @Test func sparseEngineLinesSeeImbalance() {
        // Columns of 64, 64, 64 and 192 kept weights on 2 lines of 64 PEs: folds 1, 1, 1, 3 cycles;
        // balanced ceil(6 / 2) = 3, but in order: lines take columns 0 and 1 at 0, column 2 goes to
        // the line free at 1, column 3 to the other, free at 1 → it ends at 4.
        let columnCycles = SparseEngine(peRows: 64, lines: 2).columnCycles(keptPerColumn: [64, 64, 0, 64, 192], tokens: 1)
        #expect(columnCycles == [1, 1, 1, 3])
        var schedule = EngineSchedule()
        schedule.reconfigure(sparseLines: 2)
        let done = schedule.run(Step(inputColumns: 5, sparseColumnCycles: columnCycles), ready: 0)
        #expect(done == 4)
        #expect(schedule.finish() == 4)
        #expect(schedule.mappingBound == 3)
        // 65 kept weights fold into 2 cycles on one line.
        #expect(SparseEngine(peRows: 64, lines: 2).columnCycles(keptPerColumn: [65], tokens: 1) == [2])
    }
}
