import Foundation
import SparsimSupport
import Testing
import Traces
@testable import ViTCoDSim

/// Golden outputs (SCALE-Sim style): small deterministic workloads whose CSV reports are committed
/// under Golden/ and compared exactly, so that any change to the models' numbers is deliberate.
/// To accept a deliberate change: SPARSIM_UPDATE_GOLDEN=1 swift test --filter GoldenReportTests
@Suite struct GoldenReportTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// One block of each synthetic pattern at a small GQA shape.
    static func workloads() -> [LayerWorkload] {
        let shape = ModelShape(name: "golden", hiddenSize: 96, intermediateSize: 256, keyValueSize: 32, blocks: 3)
        let patterns: [SyntheticPattern] = [.uniform, .rowVarying(spread: 0.2), .nOfM(n: 2, m: 4)]
        var masks = SyntheticMasks(seed: 2024)
        return patterns.enumerated().flatMap { block, pattern in
            Projection.allCases.map { projection in
                let (rows, cols) = shape.shape(of: projection)
                return LayerWorkload(id: LayerID(block: block, projection: projection),
                                     mask: masks.mask(rows: rows, cols: cols, sparsity: 0.5, pattern: pattern))
            }
        }
    }

    static func report(model: CycleModel, quirks: ReferenceQuirks = .none, tokens: Int = 2048,
                       format: SparseFormat = .bitmap, mapper: MapperKind = .fixed,
                       order: (([LayerWorkload]) -> [LayerWorkload]) = { $0 }) -> String {
        var config = HardwareConfig()
        config.tokens = tokens
        config.sparseFormat = format
        let simulator = Simulator(config: config, model: model, quirks: quirks, mapper: mapper)
        return ReportFormat.csv(SimulationSummary(layers: order(workloads()).map { simulator.simulate($0) }))
    }

    static let cases: [(String, @Sendable () -> String)] = [
        ("compute.csv", { report(model: .compute) }),
        ("compute-reference-quirks.csv", { report(model: .compute, quirks: .all) }),
        ("full-m1-bitmap.csv", { report(model: .full, tokens: 1) }),
        ("full-m256-bitmap.csv", { report(model: .full, tokens: 256) }),
        ("full-m64-csc.csv", { report(model: .full, tokens: 64, format: .csc) }),
    ]

    @Test(arguments: cases.map(\.0))
    func matchesGolden(name: String) throws {
        let actual = Self.cases.first { $0.0 == name }!.1()
        let url = Self.directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["SPARSIM_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        let actualLines = actual.split(separator: "\n"), expectedLines = expected.split(separator: "\n")
        #expect(actualLines.count == expectedLines.count)
        for (index, (a, e)) in zip(actualLines, expectedLines).enumerated() where a != e {
            Issue.record("\(name) line \(index + 1) differs:\n  expected \(e)\n  actual   \(a)")
        }
    }

    @Test func resultsDoNotDependOnLayerOrder() {
        for model in CycleModel.allCases {
            let forward = Self.report(model: model, tokens: 64)
            let reversed = Self.report(model: model, tokens: 64, order: { $0.reversed() })
            var generator = SeededGenerator(seed: 5)
            let shuffled = Self.report(model: model, tokens: 64, order: { $0.shuffled(using: &generator) })
            #expect(forward == reversed)
            #expect(forward == shuffled)
        }
    }
}
