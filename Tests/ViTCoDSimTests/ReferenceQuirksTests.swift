import Foundation
import Testing
import Traces
@testable import ViTCoDSim
import TestSupport

/// `--reference-quirks` must give BESA hw_sim's counts exactly. The reference needs torch and dgl;
/// its algorithm is transcribed in NumPy in Support/reference_hw_sim.py and run on the same masks.
@Suite struct ReferenceQuirksTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/reference_hw_sim.py").path

    /// Masks that exercise every slip: label 200 swapped (G > 200) and merged, rows relabeled
    /// past the edge of a wide matrix (C_out < C_in), down_proj patches, skewed and plain columns.
    static func masks() -> [(LayerID, KeepMask)] {
        [
            (LayerID(block: 0, projection: .q), Masks.skewed(rows: 256, cols: 320, seed: 1)),
            (LayerID(block: 0, projection: .k), Masks.skewed(rows: 96, cols: 320, seed: 2)),
            (LayerID(block: 0, projection: .v), Masks.random(rows: 96, cols: 320, density: 0.5, seed: 3)),
            (LayerID(block: 0, projection: .o), Masks.random(rows: 300, cols: 300, density: 0.45, seed: 4)),
            (LayerID(block: 0, projection: .gate), Masks.skewed(rows: 600, cols: 256, seed: 5)),
            (LayerID(block: 0, projection: .up), Masks.random(rows: 600, cols: 256, density: 0.3, seed: 6)),
            (LayerID(block: 0, projection: .down), Masks.skewed(rows: 256, cols: 600, seed: 7)),
            (LayerID(block: 1, projection: .q), Masks.random(rows: 256, cols: 256, density: 0.9, seed: 8)),
            (LayerID(block: 1, projection: .gate), KeepMask(rows: 512, cols: 256) { $1 < 230 || $0 % 3 == 0 }),
        ]
    }

    @Test(.enabled(if: ExternalProcess.hasH5py || ExternalProcess.mustRunEverything, "python3 with numpy and h5py is not installed"))
    func matchesTranscribedReference() throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("quirks.h5")
        let layers = Self.masks()
        try Trace(metadata: TraceMetadata(model: "test", method: "test", targetSparsity: 0.5),
                  layers: layers.map { TraceLayer(id: $0.0, mask: $0.1) }).write(to: path)
        let result = try ExternalProcess.python([Self.script, path])
        try #require(result.status == 0, "\(result.output)")
        var expected: [String: (Int, Int)] = [:]
        for line in result.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ")
            expected["\(fields[0]) \(fields[1])"] = (Int(fields[2])!, Int(fields[3])!)
        }
        let model = ComputeModel(search: .ratio, quirks: .all)
        var differs = false
        for (id, mask) in layers {
            let result = model.simulate(mask, projection: id.projection)
            let reference = try #require(expected["\(id.block) \(id.projection.rawValue)"])
            #expect(result.cycles == reference.0, "\(id): cycles \(result.cycles), reference \(reference.0)")
            #expect(result.denseCycles == reference.1, "\(id): dense \(result.denseCycles), reference \(reference.1)")
            // The label merging must matter somewhere, or this test proves little.
            let unmerged = ComputeModel(search: .ratio, quirks: ReferenceQuirks.all.subtracting(.labelMerging))
            differs = differs || unmerged.simulate(mask, projection: id.projection).cycles != result.cycles
        }
        #expect(differs, "no mask here is affected by the label merging")
    }

    @Test func relabellingMergesLabel200() {
        // Dense columns 5 and 200. Swap 0 ↔ 5: 0 → 200 (where the real 200 already is), 5 → 0,
        // then everything at 200 → 5: columns 0 and 200 are merged into label 5. Swap 1 ↔ 200:
        // 1 → 200, nothing is at 200 any more to come back, so 1 returns to 1.
        let labels = ReferenceRelabel.finalLabels(count: 201, denseColumns: [5, 200])
        #expect(labels[5] == 0)
        #expect(labels[0] == 5)
        #expect(labels[200] == 5)
        #expect(labels[1] == 1)
    }
}
