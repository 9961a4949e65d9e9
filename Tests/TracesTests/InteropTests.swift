import Foundation
import Testing
@testable import Traces
import TestSupport

/// The format is for other tools too: h5py must read what sparsim writes, sparsim must read what a
/// Python script following docs/trace-format.md writes, and h5dump must show the documented layout.
@Suite struct InteropTests {
    /// A checksum of a mask that Python computes the same way: Σ over kept (r·131 + c·7).
    static func checksum(_ mask: KeepMask) -> Int {
        var sum = 0
        for r in 0..<mask.rows { for c in 0..<mask.cols where mask[r, c] { sum += r * 131 + c * 7 } }
        return sum
    }

    @Test(.enabled(if: ExternalProcess.hasH5py || ExternalProcess.mustRunEverything, "python3 with h5py and numpy is not installed"))
    func h5pyReadsSparsimTraces() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("trace.h5")
        let trace = TraceRoundTripTests.sampleTrace()
        try trace.write(to: path)
        let script = """
            import sys, h5py, numpy as np
            f = h5py.File(sys.argv[1], "r")
            a = f.attrs
            s = lambda value: value.decode()                  # fixed-length strings read as bytes
            assert isinstance(a["format"], bytes) and s(a["format"]) == "sparsim-trace", a["format"]
            print("header", a["version"], s(a["model"]), s(a["method"]), a["target_sparsity"], s(a["pattern"]), a["seqlen"], a["calibration_samples"])
            print("config", f["config"].attrs["hidden_size"], s(f["config"].attrs["name"]))
            print("metrics", f["metrics"].attrs["perplexity"])
            for block in sorted(f["layers"], key=int):
                for proj in sorted(f["layers"][block]):
                    g = f["layers"][block][proj]
                    rows, cols = (int(x) for x in g["mask"].attrs["shape"])
                    m = np.unpackbits(g["mask"][...], axis=1)[:, :cols].astype(bool)
                    assert m.shape == (rows, cols)
                    assert int(m.sum()) == int(g["mask"].attrs["nnz"])
                    r, c = np.nonzero(m)
                    w = "weight" in g and abs(float(g["weight"][...].sum())) >= 0
                    print("layer", block, proj, rows, cols, int(m.sum()), int((r * 131 + c * 7).sum()), w)
            """
        let result = try ExternalProcess.python(["-c", script, path])
        #expect(result.status == 0, "\(result.output)")
        var expected = ["header 1 unit-test-model wanda 0.5 2:4 512 128", "config 576 SmolLM2 ✓", "metrics 36.5"]
        for layer in trace.layers {
            expected.append("layer \(layer.id.block) \(layer.id.projection.rawValue) \(layer.mask.rows) \(layer.mask.cols) "
                + "\(layer.mask.nonzeroCount) \(Self.checksum(layer.mask)) \(layer.weight != nil ? "True" : "False")")
        }
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // Python sorts projections by name; compare as sets of lines.
        #expect(Set(lines) == Set(expected))
        #expect(lines.count == expected.count)
    }

    @Test(.enabled(if: ExternalProcess.hasH5py || ExternalProcess.mustRunEverything, "python3 with h5py and numpy is not installed"))
    func sparsimReadsTracesWrittenByH5py() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("from-python.h5")
        // Follows docs/trace-format.md, "Writing a trace from Python".
        let script = """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w", libver=("v108", "v110")) as f:
                f.attrs.update(format=np.bytes_("sparsim-trace"), version=1, model=np.bytes_("py-model"),
                               method=np.bytes_("handmade"), target_sparsity=0.25, pattern=np.bytes_("unstructured"),
                               seqlen=128, calibration_samples=4, created_by=np.bytes_("h5py"))
                f.create_group("config").attrs["hidden_size"] = 16
                f.create_group("metrics").attrs["perplexity"] = 12.5
                for block, proj, rows, cols in [(0, "q_proj", 5, 13), (0, "down_proj", 3, 8), (2, "gate_proj", 1, 1)]:
                    r, c = np.indices((rows, cols))
                    keep = (r * 7 + c * 3) % 5 != 0
                    g = f.create_group(f"layers/{block}/{proj}")
                    d = g.create_dataset("mask", data=np.packbits(keep, axis=1), compression="gzip")
                    d.attrs["shape"] = np.array([rows, cols], dtype=np.int64)
                    d.attrs["nnz"] = int(keep.sum())
                    d.attrs["sparsity"] = 1 - keep.mean()
                    if proj == "down_proj":
                        g.create_dataset("weight", data=(r - c).astype(np.float32))
            """
        let result = try ExternalProcess.python(["-c", script, path])
        try #require(result.status == 0, "\(result.output)")
        let trace = try Trace.read(from: path)
        #expect(trace.metadata == TraceMetadata(model: "py-model", method: "handmade", targetSparsity: 0.25,
                                                pattern: .unstructured, seqlen: 128, calibrationSamples: 4, createdBy: "h5py"))
        #expect(trace.config["hidden_size"] == .int(16))
        #expect(trace.metrics == ["perplexity": 12.5])
        #expect(trace.layers.map(\.id) == [LayerID(block: 0, projection: .q), LayerID(block: 0, projection: .down),
                                           LayerID(block: 2, projection: .gate)])
        for layer in trace.layers {
            let expected = KeepMask(rows: layer.mask.rows, cols: layer.mask.cols) { ($0 * 7 + $1 * 3) % 5 != 0 }
            #expect(layer.mask == expected)
        }
        let down = trace.layers[1]
        #expect(down.weight == (0..<3).flatMap { r in (0..<8).map { c in Float(r - c) } })
    }

    /// h5py's defaults (the format before HDF5 1.8, strings in the global heap) have no checksums:
    /// such a file is refused with the way out, and `trace upgrade` rewrites it with its content intact.
    @Test(.enabled(if: ExternalProcess.hasH5py || ExternalProcess.mustRunEverything, "python3 with h5py and numpy is not installed"))
    func tracesWithoutChecksumsAreRefusedAndUpgraded() throws {
        let directory = try TemporaryDirectory()
        let old = directory.file("old.h5"), heap = directory.file("heap.h5"), upgraded = directory.file("new.h5")
        let script = """
            import sys, h5py, numpy as np
            for path, libver in [(sys.argv[1], "earliest"), (sys.argv[2], ("v108", "v110"))]:
                with h5py.File(path, "w", libver=libver) as f:
                    f.attrs.update(format="sparsim-trace", version=1, model="py-model", method="handmade", target_sparsity=0.5,
                                   pattern="unstructured", seqlen=0, calibration_samples=0, created_by="h5py")
                    keep = np.indices((4, 8)).sum(axis=0) % 2 == 0
                    d = f.create_dataset("layers/0/q_proj/mask", data=np.packbits(keep, axis=1))
                    d.attrs["shape"] = np.array([4, 8], dtype=np.int64)
                    d.attrs["nnz"] = int(keep.sum())
            """
        let result = try ExternalProcess.python(["-c", script, old, heap])
        try #require(result.status == 0, "\(result.output)")
        #expect(throws: TraceError.self) { try Trace.read(from: old) }
        do { _ = try Trace.read(from: old) } catch { #expect(error.message.contains("sparsim trace upgrade")) }
        do { _ = try Trace.read(from: heap) } catch { #expect(error.message.contains("variable-length string")) }
        let trace = try Trace.read(from: old, acceptingUnchecksummed: true)
        try trace.write(to: upgraded)
        let again = try Trace.read(from: upgraded)
        #expect(again.metadata == trace.metadata)
        #expect(again.layers.map(\.mask) == [KeepMask(rows: 4, cols: 8) { ($0 + $1) % 2 == 0 }])
        #expect(HDF5.superblockVersion(upgraded).map { $0 >= 2 } == true)
    }

    @Test(.enabled(if: ExternalProcess.hasH5dump || ExternalProcess.mustRunEverything, "h5dump (Debian package hdf5-tools) is not installed"))
    func h5dumpShowsTheDocumentedLayout() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("trace.h5")
        try TraceRoundTripTests.sampleTrace().write(to: path)
        let result = try ExternalProcess.run("/usr/bin/env", ["h5dump", "-H", path])
        #expect(result.status == 0, "\(result.output)")
        for fragment in [
            #"ATTRIBUTE "format""#, #"ATTRIBUTE "version""#, #"ATTRIBUTE "target_sparsity""#, #"ATTRIBUTE "pattern""#,
            #"ATTRIBUTE "seqlen""#, #"ATTRIBUTE "calibration_samples""#, #"ATTRIBUTE "created_by""#,
            #"GROUP "config""#, #"GROUP "metrics""#, #"GROUP "layers""#, #"GROUP "10""#, #"GROUP "gate_proj""#,
            #"DATASET "mask""#, "H5T_STD_U8LE", "DATASPACE  SIMPLE { ( 64, 8 ) / ( 64, 8 ) }",
            #"ATTRIBUTE "shape""#, #"ATTRIBUTE "nnz""#, #"ATTRIBUTE "sparsity""#, #"DATASET "weight""#, "H5T_IEEE_F32LE",
            "STRSIZE 13;", "H5T_STR_NULLPAD", "CSET H5T_CSET_UTF8",
        ] {
            #expect(result.output.contains(fragment), "h5dump -H lacks \(fragment)")
        }
    }
}
