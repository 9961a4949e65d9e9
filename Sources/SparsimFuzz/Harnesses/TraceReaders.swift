import Foundation
import Traces
import ViTCoDSim

/// A trace as `trace info` and `simulate` read it: header, index, every layer's mask (and
/// weights), then each layer through the compute model and the full model's fixed mapping.
struct TraceHarness: Harness {
    let name = "trace"
    let summary = "an HDF5 trace"

    func mutate(_ seed: FuzzInput, using mutator: inout Mutator) -> FuzzInput {
        mutatingOneFile(seed, using: &mutator) { _, data, mutator in
            mutator.mutateBytes(data, hotOffsets: Self.dimensionFields(of: data))
        }
    }

    /// Where the file stores the layers' shapes: HDF5 writes a dataspace's dimensions as 8-byte
    /// little-endian integers, so the tiny seeds' row and column counts (8, 12, 4) mark them.
    static func dimensionFields(of data: Data) -> [(offset: Int, width: Int)] {
        var fields: [(Int, Int)] = []
        let bytes = [UInt8](data)
        for value: UInt8 in [4, 8, 12] {
            let pattern: [UInt8] = [value, 0, 0, 0, 0, 0, 0, 0]
            var offset = 0
            while offset + 8 <= bytes.count, fields.count < 256 {
                if bytes[offset..<offset + 8].elementsEqual(pattern) { fields.append((offset, 8)) }
                offset += 8
            }
        }
        return fields
    }

    func run(_ directory: String) throws {
        let reader = try TraceReader(path: file(in: directory, "trace.h5"))
        let simulators = [Simulator(model: .compute), Simulator(model: .full, mapper: .fixed)]
        var groupSize = 0  // M of an N:M trace, as simulate passes it
        if case .nOfM(_, let m) = reader.metadata.pattern { groupSize = m }
        for summary in reader.layers {
            let layer = try reader.layer(summary.id)
            let workload = LayerWorkload(id: layer.id, mask: layer.mask, valueBits: layer.quantization?.bits)
            for simulator in simulators { _ = simulator.simulate(workload, groupSize: groupSize) }
        }
    }
}
