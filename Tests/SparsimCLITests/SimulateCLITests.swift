import Foundation
import Testing
import Traces
import ViTCoDSim
import TestSupport

@Suite struct SimulateCLITests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    /// What `simulate` reads without --trace: BESA row-wise masks of the shipped SmolLM2-135M.
    static let defaultTrace = packageRoot + "/traces/smollm2-besa-row-50.h5"
    /// A smaller synthetic trace (4 blocks) for the tests of options.
    static let syntheticTrace = packageRoot + "/traces/synthetic-small-row-varying-50.h5"

    /// What the library says for the default trace's gate_proj layers.
    static func expectedCSV(model: CycleModel, tokens: Int = 2048, mapper: MapperKind = .search) throws -> String {
        let trace = try Trace.read(from: defaultTrace)
        var config = HardwareConfig()
        config.tokens = tokens
        let simulator = Simulator(config: config, model: model, mapper: mapper)
        let reports = trace.layers.filter { $0.id.projection == .gate }
            .map { simulator.simulate(LayerWorkload(id: $0.id, mask: $0.mask)) }
        return ReportFormat.csv(SimulationSummary(layers: reports))
    }

    @Test func gateProjOfTheDefaultTraceWithoutArguments() throws {
        let result = try CLI.run(["simulate", "--layer", "gate_proj"], in: Self.packageRoot)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").filter { $0.contains("gate_proj") && $0.contains("1536×576") }
        #expect(rows.count == 30)
        // The speedups printed are the library's, for the same trace.
        let expected = try Self.expectedCSV(model: .full).split(separator: "\n").dropFirst()
        for (row, csv) in zip(rows, expected) {
            let speedup = Double(csv.split(separator: ",")[9])!
            #expect(row.contains(String(format: "%.3f×", speedup)), "\(row) lacks \(speedup)")
        }
        #expect(result.stdout.contains("whole model (30 layers shown)"))
        #expect(result.stdout.contains("besa-row on "))
    }

    @Test(arguments: [CycleModel.compute, .full])
    func csvEqualsTheLibrary(model: CycleModel) throws {
        let elsewhereFolder = try TemporaryDirectory()  // also: the default trace is found from any directory
        let elsewhere = elsewhereFolder.path
        let result = try CLI.run(["simulate", "--layer", "gate", "--model", model.rawValue, "--tokens", "64", "--format", "csv"],
                                 in: elsewhere)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try Self.expectedCSV(model: model, tokens: 64)))
    }

    @Test func jsonParses() throws {
        let result = try CLI.run(["simulate", "--trace", Self.syntheticTrace, "--block", "1", "--tokens", "1", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let layers = document["layers"] as! [[String: String]]
        #expect(layers.count == 7)
        #expect((document["hardware"] as! [String: Any])["tokens"] as? Int == 1)
        // The JSON carries each layer's mapping and the search's summary.
        for layer in layers {
            #expect(["rows", "tokens"].contains(layer["sparse_lines"]!))
            #expect(["streaming", "inputs-stay", "weights-stay"].contains(layer["loop_order"]!))
            #expect(Int(layer["sparse_cycles"]!)! <= Int(layer["fixed_cycles"]!)!)
            #expect(Double(layer["gain_over_fixed"]!)! >= 1)
        }
        let mapper = document["mapper"] as! [String: Any]
        #expect((mapper["gainOverFixed"] as! Double) >= 1)
        #expect(mapper["layersFallingBackToDense"] as? Int == 0)
    }

    @Test func fixedMapperReproducesTheOldMappingAndTheSearchNeverLoses() throws {
        let fixed = try CLI.run(["simulate", "--layer", "gate", "--tokens", "64", "--format", "csv", "--mapper", "fixed"],
                                in: Self.packageRoot)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.stdout == (try Self.expectedCSV(model: .full, tokens: 64, mapper: .fixed)))
        let searched = try CLI.run(["simulate", "--layer", "gate", "--tokens", "64", "--format", "csv"], in: Self.packageRoot)
        #expect(searched.status == 0, "\(searched.stderr)")
        let fixedRows = fixed.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let searchedRows = searched.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(fixedRows.count == 30 && searchedRows.count == 30)
        for (old, new) in zip(fixedRows, searchedRows) {
            #expect(Int(new[8])! <= Int(old[8])!, "block \(new[0]): searched \(new[8]) > fixed \(old[8]) cycles")
            #expect(Double(new[9])! >= 1, "block \(new[0]) is slower than dense: \(new[9])")
        }
    }

    @Test(arguments: [(["--max-plays", "0"], "--max-plays"), (["--mapper-tolerance", "1.5"], "--mapper-tolerance"),
                      (["--mapper", "greedy"], "--mapper")])
    func badMapperOptions(arguments: [String], problem: String) throws {
        let result = try CLI.run(["simulate", "--trace", Self.syntheticTrace] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(problem), "\(result.stderr)")
    }

    /// `--cycle-model` is the option's name; `--model`, its old name, still works and means the same.
    @Test func cycleModelAndItsOldNameGiveTheSameReport() throws {
        let new = try CLI.run(["simulate", "--trace", Self.syntheticTrace, "--format", "csv", "--cycle-model", "compute"])
        let old = try CLI.run(["simulate", "--trace", Self.syntheticTrace, "--format", "csv", "--model", "compute"])
        let full = try CLI.run(["simulate", "--trace", Self.syntheticTrace, "--format", "csv", "--cycle-model", "full", "--mapper", "fixed"])
        #expect(new.status == 0 && old.status == 0 && full.status == 0)
        #expect(new.stdout == old.stdout)
        #expect(new.stdout.contains(",compute,") && !new.stdout.contains(",full,"))
        #expect(full.stdout != new.stdout)
    }

    @Test func outputFileIsWrittenWholeOrNotAtAll() throws {
        let folder = try TemporaryDirectory()
        let directory = folder.path
        let good = try CLI.run(["simulate", "--trace", Self.syntheticTrace, "--format", "csv", "--model", "compute", "--out", directory + "/r.csv"])
        #expect(good.status == 0)
        #expect(try String(contentsOfFile: directory + "/r.csv", encoding: .utf8).split(separator: "\n").count == 29)
        let bad = try CLI.run(["simulate", "--trace", Self.syntheticTrace, "--layer", "nope", "--out", directory + "/bad.csv"])
        #expect(bad.status != 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["r.csv"])
    }

    @Test(arguments: [
        (["--layer", "w_proj"], "unknown layer 'w_proj'"),
        (["--block", "99"], "block 99 is not in"),
        (["--pe-columns", "0"], "peColumns must be in 2...4096"),
        (["--bandwidth", "0"], "dramGBps must be in 0.001...100000.0, got 0.0"),
        (["--tokens", "0"], "tokens must be in 1...1048576, got 0"),
        (["--reference-quirks"], "--reference-quirks and --quirk apply to --cycle-model compute only"),
        (["--model", "compute", "--quirk", "typo"], "unknown quirk 'typo'"),
        (["--sparse-format", "nm"], "--sparse-format nm needs an N:M trace"),
        (["--trace", "/no/such.h5"], "/no/such.h5: no such file"),
    ])
    func badInputIsOneLine(arguments: [String], problem: String) throws {
        let result = try CLI.run(["simulate"] + arguments, in: Self.packageRoot)
        #expect(result.status != 0)
        let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message.contains(problem), "stderr: \(message)")
        #expect(message.hasPrefix("Error: "))
        #expect(!message.split(separator: "\n").first!.isEmpty)
        #expect(message.split(separator: "\n").count <= 3, "usage lines at most after the error: \(message)")
    }

    @Test func badHardwareConfigFiles() throws {
        let folder = try TemporaryDirectory()
        let directory = folder.path
        for (json, problem) in [(#"{"peRows": 0}"#, "peRows must be in 1...4096, got 0"),
                                (#"{"dramGBps": 0.0}"#, "dramGBps must be in 0.001...100000.0"),
                                (#"{"peRowz": 64}"#, "unknown field 'peRowz'"),
                                (#"{"weightBufferKiB": 1e308}"#, "weightBufferKiB must be in 0.001...1048576.0, got 1e+308"),
                                (#"{"peColumns": 2147483648}"#, "peColumns must be in 2...4096"),
                                (#"{"peRows": "many"}"#, "peRows"),
                                (#"{"peRows": 64"#, "hw.json")] {
            try json.write(toFile: directory + "/hw.json", atomically: true, encoding: .utf8)
            let result = try CLI.run(["simulate", "--trace", Self.syntheticTrace, "--hw", directory + "/hw.json"])
            #expect(result.status != 0)
            #expect(result.stderr.contains(problem), "\(json): \(result.stderr)")
            #expect(result.stderr.contains(directory + "/hw.json"))
        }
        // A valid file with some fields: the rest keep their defaults.
        try #"{"tokens": 1, "sparseFormat": "csc"}"#.write(toFile: directory + "/hw.json", atomically: true, encoding: .utf8)
        let result = try CLI.run(["simulate", "--trace", Self.syntheticTrace, "--hw", directory + "/hw.json", "--block", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("M = 1 tokens, mappings searched per layer (csc format only)"), "\(result.stdout)")
        #expect(!result.stdout.contains(", bitmap,"), "the mapper kept to the requested format")
    }

    @Test(.enabled(if: ExternalProcess.hasH5py || ExternalProcess.mustRunEverything, "python3 with h5py is not installed"))
    func maskThatDisagreesWithItsShape() throws {
        let folder = try TemporaryDirectory()
        let directory = folder.path
        let path = directory + "/bad.h5"
        let script = """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w", libver=("v108", "v110")) as f:
                b = np.bytes_
                f.attrs.update(format=b("sparsim-trace"), version=1, model=b("m"), method=b("x"), target_sparsity=0.5,
                               pattern=b("unstructured"), seqlen=0, calibration_samples=0, created_by=b("test"))
                d = f.create_dataset("layers/0/gate_proj/mask", data=np.zeros((8, 2), dtype=np.uint8))
                d.attrs["shape"] = np.array([8, 100], dtype=np.int64)
                d.attrs["nnz"] = 0
            """
        try #require(try ExternalProcess.python(["-c", script, path]).status == 0)
        let result = try CLI.run(["simulate", "--trace", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(path): /layers/0/gate_proj/mask: dataset is 8×2 bytes but shape 8×100"))
    }

    @Test func synthesisedTraceHasTheAskedSparsity() throws {
        let folder = try TemporaryDirectory()
        let directory = folder.path
        let path = directory + "/s.h5"
        let made = try CLI.run(["trace", "synth", "--shape", "small", "--blocks", "1", "--pattern", "2:4", "--seed", "3", "--out", path])
        #expect(made.status == 0, "\(made.stderr)")
        let trace = try Trace.read(from: path)
        #expect(trace.metadata.pattern == .nOfM(n: 2, m: 4))
        #expect(trace.layers.count == 7)
        for layer in trace.layers {
            #expect(layer.mask.nonzeroCount * 2 == layer.mask.count)  // exactly 2 of every 4
        }
        let bad = try CLI.run(["trace", "synth", "--shape", "small", "--pattern", "3:5", "--out", directory + "/x.h5"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("3:5 does not divide C_in = 576"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["s.h5"])
    }
}
