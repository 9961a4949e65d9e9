/// Plays a layer's steps against one DRAM channel and the engines, with double-buffered inputs and
/// weights.
///
/// The rules, in order of time:
/// - a step's data (inputs, weight values, metadata) is loaded when the channel is free and one of
///   the two buffer halves is: step s may load once step s − 2 has finished;
/// - once loaded, the step's dense columns queue on the dense engine and its sparse columns on the
///   sparse engine's lines (`EngineSchedule`), overlapping with the previous step where engines are free;
/// - when a block's last step finishes, its outputs are written back; a write waits for the
///   channel like a load, and goes before any load that could only start later than it is ready.
/// Time is kept in fractional cycles and rounded up once at the end. With infinite bandwidth the
/// same rules give the engines' time alone.
struct MemoryPipeline {
    let bytesPerCycle: Double

    private(set) var engines = EngineSchedule()
    private(set) var channelBusy = 0.0
    private var channelFree = 0.0
    private var stepEnds: (older: Double, newer: Double) = (0, 0)
    private var blockEnd = 0.0
    private var pendingWrites: [(ready: Double, bytes: Double)] = []
    private var writeIndex = 0

    init(bytesPerCycle: Double) { self.bytesPerCycle = bytesPerCycle }

    mutating func reconfigure(sparseLines: Int) { engines.reconfigure(sparseLines: sparseLines) }

    /// Loads `bytes`, then runs `step`.
    mutating func run(_ step: Step, loading bytes: Double) {
        let slotFree = stepEnds.older
        drainWrites(readyBy: max(channelFree, slotFree))
        let loadStart = max(channelFree, slotFree)
        let loadEnd = loadStart + transfer(bytes)
        channelFree = loadEnd
        let end = engines.run(step, ready: loadEnd)
        blockEnd = max(blockEnd, end)
        stepEnds = (stepEnds.newer, end)
    }

    /// Queues the write-back of the block whose steps were just run.
    mutating func writeBack(bytes: Double) {
        pendingWrites.append((blockEnd, bytes))
    }

    /// Cycles until the last write has landed and the last step has finished.
    mutating func finish() -> Int {
        drainWrites(readyBy: .infinity)
        return Int(max(channelFree, engines.finish()).rounded(.up))
    }

    private mutating func drainWrites(readyBy time: Double) {
        while writeIndex < pendingWrites.count, pendingWrites[writeIndex].ready <= time {
            let write = pendingWrites[writeIndex]
            channelFree = max(channelFree, write.ready) + transfer(write.bytes)
            writeIndex += 1
        }
    }

    private mutating func transfer(_ bytes: Double) -> Double {
        guard bytesPerCycle.isFinite else { return 0 }
        let cycles = bytes / bytesPerCycle
        channelBusy += cycles
        return cycles
    }
}
