/// Plays a layer's steps against one DRAM channel, with double-buffered inputs and weights.
///
/// The rules, in order of time:
/// - a step's data (inputs, weight values, metadata) is loaded when the channel is free and one of
///   the two buffer halves is: step s may load once step s − 2 has finished computing;
/// - a step computes once its data is in and the previous step has finished (both engines work on
///   the same step; the slower one sets its length);
/// - when a block's last step finishes, its outputs are written back; a write waits for the
///   channel like a load, and goes before any load that could only start later than it is ready.
/// Time is kept in fractional cycles and rounded up once at the end.
struct MemoryPipeline {
    let bytesPerCycle: Double

    private(set) var channelFree = 0.0
    private(set) var channelBusy = 0.0
    private(set) var computeBusy = 0.0
    private var lastComputeEnd = 0.0
    private var computeEnds: (older: Double, newer: Double) = (0, 0)
    private var pendingWrites: [(ready: Double, bytes: Double)] = []
    private var writeIndex = 0

    init(bytesPerCycle: Double) { self.bytesPerCycle = bytesPerCycle }

    /// Loads `bytes`, then computes for `cycles`.
    mutating func step(loading bytes: Double, computing cycles: Double) {
        let slotFree = computeEnds.older
        drainWrites(readyBy: max(channelFree, slotFree))
        let loadStart = max(channelFree, slotFree)
        let loadEnd = loadStart + transfer(bytes)
        channelFree = loadEnd
        let computeStart = max(loadEnd, lastComputeEnd)
        lastComputeEnd = computeStart + cycles
        computeBusy += cycles
        computeEnds = (computeEnds.newer, lastComputeEnd)
    }

    /// Queues the write-back of a finished block.
    mutating func writeBack(bytes: Double) {
        pendingWrites.append((lastComputeEnd, bytes))
    }

    /// Cycles until the last write has landed and the last step has finished.
    mutating func finish() -> Int {
        drainWrites(readyBy: .infinity)
        return Int(max(channelFree, lastComputeEnd).rounded(.up))
    }

    private mutating func drainWrites(readyBy time: Double) {
        while writeIndex < pendingWrites.count, pendingWrites[writeIndex].ready <= time {
            let write = pendingWrites[writeIndex]
            channelFree = max(channelFree, write.ready) + transfer(write.bytes)
            writeIndex += 1
        }
    }

    private mutating func transfer(_ bytes: Double) -> Double {
        let cycles = bytes / bytesPerCycle
        channelBusy += cycles
        return cycles
    }
}
