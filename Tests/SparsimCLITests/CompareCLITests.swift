import Foundation
import Testing
import TestSupport
import Traces
import ViTCoDSim

/// `sparsim compare` and `sparsim table` on small traces of one model, checked against the library.
@Suite struct CompareCLITests {
    static let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support").path

    /// Two small traces of the `small` shape (2 blocks): uniform 50% and 2:4.
    static func writeTraces(in folder: TemporaryDirectory) throws -> [String] {
        let specs = [("uniform.h5", ["--pattern", "row-varying", "--seed", "3"]), ("nm.h5", ["--pattern", "2:4", "--seed", "4"])]
        return try specs.map { name, extra in
            let path = folder.file(name)
            let result = try CLI.run(["trace", "synth", "--shape", "small", "--blocks", "2", "--out", path] + extra)
            try #require(result.status == 0, "\(result.stderr)")
            return path
        }
    }

    /// The library's per-projection and whole-model speedups for one trace (optionally one block).
    static func expected(_ path: String, model: CycleModel, tokens: Int, block: Int? = nil) throws -> [String: Double] {
        let trace = try Trace.read(from: path)
        var config = HardwareConfig()
        config.tokens = tokens
        let groupSize: Int = if case .nOfM(_, let m) = trace.metadata.pattern { m } else { 0 }
        let reports = trace.layers.filter { block == nil || $0.id.block == block }.map {
            Simulator(config: config, model: model).simulate(LayerWorkload(id: $0.id, mask: $0.mask), groupSize: groupSize)
        }
        let summary = SimulationSummary(layers: reports)
        var values = Dictionary(uniqueKeysWithValues: summary.projections.map { ($0.projection.rawValue, $0.aggregateSpeedup) })
        values["whole_model"] = summary.speedup
        return values
    }

    @Test(.enabled(if: !ExternalProcess.quickTier, "python3 is not run in the quick tier"))
    func tableCSVParsesWithPythonsReaderAndEqualsTheSimulator() throws {
        let folder = try TemporaryDirectory()
        let traces = try Self.writeTraces(in: folder)
        let out = folder.file("table4.csv")
        let result = try CLI.run(["table", "--traces"] + traces + ["--out", out, "--per-block", "--tokens", "64"])
        try #require(result.status == 0, "\(result.stderr)")
        // Python's csv module reads it; rows come back as JSON.
        let parsed = try ExternalProcess.python(["-c", "import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='')))))", out])
        try #require(parsed.status == 0, "\(parsed.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as! [[String: String]]
        // 2 traces × 2 cycle models × (all + 2 blocks).
        #expect(rows.count == 12)
        var checked = 0
        for row in rows {
            let path = row["pattern"] == "2:4" ? traces[1] : traces[0]
            let model = CycleModel(rawValue: row["cycle_model"]!)!
            let block = row["block"] == "all" ? nil : Int(row["block"]!)
            #expect(Int(row["tokens"]!) == (model == .compute ? 1 : 64))
            for (column, value) in try Self.expected(path, model: model, tokens: 64, block: block) {
                let printed = try #require(Double(row[column] ?? ""), "column \(column) of \(row)")
                #expect(abs(printed - value) <= 5e-7, "\(row["method"]!) \(model) block \(row["block"]!) \(column): \(printed) vs \(value)")
                checked += 1
            }
        }
        #expect(checked == 12 * 8)
        // The sidecar records the hardware the numbers came from.
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("table4.json")))) as! [String: Any]
        #expect((sidecar["hardware"] as! [String: Any])["tokens"] as? Int == 64)
        #expect((sidecar["traces"] as! [Any]).count == 2)
    }

    @Test func compareShowsEveryMethodWithTheLibrarysSpeedups() throws {
        let folder = try TemporaryDirectory()
        let traces = try Self.writeTraces(in: folder)
        let result = try CLI.run(["compare"] + traces + ["--tokens", "64"])
        try #require(result.status == 0, "\(result.stderr)")
        let fullSection = try #require(result.stdout.components(separatedBy: "Speedup over dense, full model").last)
        let nmLine = try #require(fullSection.split(separator: "\n").first { $0.hasPrefix("synthetic-2:4 ") })
        let whole = try Self.expected(traces[1], model: .full, tokens: 64)["whole_model"]!
        #expect(nmLine.hasSuffix(String(format: "%.3f×", whole)), "\(nmLine)")
        // Row balance: row-varying rows spread, 2:4 rows are all exactly 50%.
        let nmQuality = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("synthetic-2:4 ") })
        #expect(nmQuality.contains("50.0–50.0%") && nmQuality.hasSuffix(" 0.00 pp"), "\(nmQuality)")
        let varying = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("synthetic-row-varying") })
        #expect(!varying.hasSuffix(" 0.00 pp"), "\(varying)")
    }

    static func tinyTrace(model: String, rows: Int) -> Trace {
        let layers = Projection.allCases.map { projection in
            TraceLayer(id: LayerID(block: 0, projection: projection), mask: KeepMask(rows: rows, cols: 8, values: (0..<rows * 8).map { $0 % 2 == 0 }))
        }
        return Trace(metadata: TraceMetadata(model: model, method: "wanda", targetSparsity: 0.5, pattern: .unstructured,
                                             seqlen: 16, calibrationSamples: 4), layers: layers)
    }

    @Test func tracesOfDifferentModelsAreRejectedWithNothingWritten() throws {
        let folder = try TemporaryDirectory()
        try Self.tinyTrace(model: "model-a", rows: 4).write(to: folder.file("a.h5"))
        try Self.tinyTrace(model: "model-b", rows: 4).write(to: folder.file("b.h5"))
        try Self.tinyTrace(model: "model-a", rows: 6).write(to: folder.file("c.h5"))
        let names = try CLI.run(["compare", folder.file("a.h5"), folder.file("b.h5")])
        #expect(names.status != 0)
        #expect(names.stderr.contains("traces of different models") && names.stderr.contains("model-b"), "\(names.stderr)")
        let shapes = try CLI.run(["table", "--traces", folder.file("a.h5"), folder.file("c.h5"), "--out", folder.file("t.csv"),
                                  "--plot", folder.file("t.svg")])
        #expect(shapes.status != 0)
        #expect(shapes.stderr.contains("different model shapes"), "\(shapes.stderr)")
        #expect(shapes.stderr.split(separator: "\n").count == 1)
        #expect(try folder.contents() == ["a.h5", "b.h5", "c.h5"])
    }

    static let hasChromium = (try? ExternalProcess.run("/usr/bin/env", ["chromium", "--version"]).status) == 0

    @Test(.enabled(if: !ExternalProcess.quickTier, "python3 is not run in the quick tier"))
    func plotIsWellFormedSVGWithEveryBarAndCell() throws {
        let folder = try TemporaryDirectory()
        let traces = try Self.writeTraces(in: folder)
        let svg = folder.file("plot.svg")
        let result = try CLI.run(["compare"] + traces + ["--tokens", "64", "--plot", svg])
        try #require(result.status == 0, "\(result.stderr)")
        // Python's XML parser reads it; the tooltips (<title>) say what each bar and cell is.
        let script = """
            import json, sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            print(json.dumps([t.text for t in root.iter('{http://www.w3.org/2000/svg}title')]))
            """
        let parsed = try ExternalProcess.python(["-c", script, svg])
        try #require(parsed.status == 0, "not well-formed XML: \(parsed.stderr)")
        let titles = try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as! [String]
        // Bars: 2 methods × 8 groups × 2 cycle models; heat-map cells: 2 methods × 14 layers.
        #expect(titles.filter { $0.hasSuffix("×") }.count == 32)
        #expect(titles.filter { $0.contains(": block ") }.count == 28)
    }

    @Test(.enabled(if: hasChromium || ExternalProcess.mustRunEverything, "needs chromium"))
    func plotRendersInHeadlessChromium() throws {
        let folder = try TemporaryDirectory()
        let traces = try Self.writeTraces(in: folder)
        let svg = folder.file("plot.svg"), png = folder.file("plot.png")
        try #require(try CLI.run(["compare"] + traces + ["--tokens", "64", "--plot", svg]).status == 0)
        let shot = try ExternalProcess.run("/usr/bin/env", ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                            "--window-size=960,700", "--screenshot=" + png, "file://" + svg])
        try #require(FileManager.default.fileExists(atPath: png), "chromium wrote no screenshot: \(shot.stderr)")
        // The first two palette colors are the two methods' bars: both must be on screen in quantity.
        let colors = try ExternalProcess.python([Self.support + "/png_colors.py", png, "4C72B0", "DD8452"])
        try #require(colors.status == 0, "\(colors.stderr)")
        let numbers = colors.stdout.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        #expect(numbers[0] == 960 && numbers[1] == 700)
        #expect(numbers[2] > 5000 && numbers[3] > 5000, "bar pixels: \(numbers)")
    }
}
