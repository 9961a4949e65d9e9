import Foundation
import SparsimSupport
import Testing
@testable import Traces
import TestSupport

@Suite struct TraceRoundTripTests {
    static func randomMask(rows: Int, cols: Int, density: Double, generator: inout SeededGenerator) -> KeepMask {
        KeepMask(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in generator.nextUnit() < density })
    }

    static func sampleTrace() -> Trace {
        var generator = SeededGenerator(seed: 42)
        let shapes: [(Projection, Int, Int, Double)] = [
            (.q, 1, 1, 1.0), (.k, 1, 77, 0.5), (.v, 13, 29, 0.0), (.o, 33, 65, 0.5),
            (.gate, 64, 64, 1.0), (.up, 7, 8, 0.9), (.down, 8, 200, 0.1),
        ]
        var layers: [TraceLayer] = []
        for block in [0, 1, 10] {
            for (projection, rows, cols, density) in shapes {
                let mask = randomMask(rows: rows, cols: cols, density: density, generator: &generator)
                let weight = block == 1 ? (0..<rows * cols).map { _ in Float(generator.nextUnit() * 2 - 1) } : nil
                layers.append(TraceLayer(id: LayerID(block: block, projection: projection), mask: mask, weight: weight))
            }
        }
        return Trace(
            metadata: TraceMetadata(model: "unit-test-model", method: "wanda", targetSparsity: 0.5,
                                    pattern: .nOfM(n: 2, m: 4), seqlen: 512, calibrationSamples: 128),
            config: ["hidden_size": .int(576), "rope_theta": .double(100000), "name": .string("SmolLM2 ✓"),
                     "shape": .ints([3, 4]), "scales": .doubles([0.5, 0.25])],
            metrics: ["perplexity": 36.5, "seconds": 12.25],
            layers: layers)
    }

    @Test func roundTripIsBitExact() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("trace.h5")
        let trace = Self.sampleTrace()
        try trace.write(to: path)
        let read = try Trace.read(from: path)
        #expect(read == trace)
        // Including the all-zero (density 0) and all-one (density 1) masks of odd shapes.
        #expect(read.layers.contains { $0.mask.nonzeroCount == 0 && $0.mask.rows == 13 })
        #expect(read.layers.contains { $0.mask.nonzeroCount == 1 && $0.mask.count == 1 })
        #expect(try directory.contents() == ["trace.h5"], "no temporary file left beside the trace")
    }

    @Test func readerIndexesWithoutLoadingMasks() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("trace.h5")
        let trace = Self.sampleTrace()
        try trace.write(to: path)
        let reader = try TraceReader(path: path)
        #expect(reader.blocks == [0, 1, 10])
        #expect(reader.layers.map(\.id) == trace.layers.map(\.id))
        for (summary, layer) in zip(reader.layers, trace.layers) {
            #expect(summary.nonzeroCount == layer.mask.nonzeroCount)
            #expect(summary.hasWeight == (layer.weight != nil))
            #expect(abs(summary.sparsity - layer.mask.sparsity) < 1e-12)
        }
    }

    @Test func overwritesAnExistingTraceAtomically() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("trace.h5")
        try Self.sampleTrace().write(to: path)
        var second = Self.sampleTrace()
        second.metadata.method = "besa"
        try second.write(to: path)
        #expect(try Trace.read(from: path).metadata.method == "besa")
    }

    @Test func failedWriteLeavesNothingBehind() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("trace.h5")
        let writer = try TraceWriter(path: path, metadata: TraceMetadata(model: "m", method: "x", targetSparsity: 0.5))
        let layer = TraceLayer(id: LayerID(block: 0, projection: .q), mask: KeepMask(rows: 2, cols: 2))
        try writer.append(layer)
        #expect(throws: TraceError.self) { try writer.append(layer) }  // duplicate layer
        #expect(throws: TraceError.self) { try writer.finish() }        // writer is closed
        #expect(try directory.contents().isEmpty)
    }

    @Test func abandonedWriterLeavesNothingBehind() throws {
        let directory = try TemporaryDirectory()
        do {
            let writer = try TraceWriter(path: directory.file("t.h5"),
                                         metadata: TraceMetadata(model: "m", method: "x", targetSparsity: 0.5))
            try writer.append(TraceLayer(id: LayerID(block: 0, projection: .q), mask: KeepMask(rows: 2, cols: 2)))
        }
        #expect(try directory.contents().isEmpty)
    }

    @Test func rejectsInvalidMetadataBeforeWriting() throws {
        let directory = try TemporaryDirectory()
        for sparsity in [-0.1, 1.0, 1.5] {
            #expect(throws: TraceError.self) {
                try TraceWriter(path: directory.file("t.h5"), metadata: TraceMetadata(model: "m", method: "x", targetSparsity: sparsity))
            }
        }
        let missing = directory.file("no/such/dir/t.h5")
        let error = #expect(throws: TraceError.self) {
            try TraceWriter(path: missing, metadata: TraceMetadata(model: "m", method: "x", targetSparsity: 0.5))
        }
        #expect(error?.description.contains("does not exist") == true)
        #expect(try directory.contents().isEmpty)
    }

    @Test func learnedSparsitiesRoundTripThroughATrace() throws {
        let directory = try TemporaryDirectory()
        let mask = KeepMask(rows: 3, cols: 8, values: (0..<24).map { $0 % 3 != 0 })
        let layers = [TraceLayer(id: LayerID(block: 0, projection: .q), mask: mask, learnedSparsity: [0.25, 0.5, 0.625]),
                      TraceLayer(id: LayerID(block: 0, projection: .k), mask: mask, learnedSparsity: [0.375])]
        let trace = Trace(metadata: TraceMetadata(model: "tiny", method: "besa-row", targetSparsity: 0.5, pattern: .unstructured,
                                                  seqlen: 16, calibrationSamples: 6), layers: layers)
        try trace.write(to: directory.file("t.h5"))
        #expect(try Trace.read(from: directory.file("t.h5")).layers == layers)
    }
}
