"""Cross-checks sparsim's engines against SCALE-Sim v3 (PyPI `scalesim==3.0.0`).

For a few prefill GEMMs Y[M x N] = X[M x K] . W^T on a 64 x 64 array it prints
- SCALE-Sim's stall-free compute cycles for each dataflow (os, ws, is), dense, and with 2:4
  weights (SCALE-Sim's sparse support, ellpack_block, block size 4: the N:M datapath),
- their closed forms (the ones Tests/ViTCoDSimTests/SystolicClosedFormTests.swift checks),
- sparsim's engine-only cycles for the same layer: dense (the dense baseline) and 2:4 on the N:M
  datapath, from `sparsim simulate --format json` on a trace this script writes with h5py, with
  infinite bandwidth and buffers large enough to hold the layer (so only the engines count).

Usage: python3 scripts/crosscheck_scalesim.py SPARSIM_BINARY WORKDIR
(scripts/crosscheck-scalesim.sh makes the virtual environment and runs it.)
"""
import csv
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np

ROWS = COLS = 64
SHAPES = [  # (name, M tokens, K = C_in, N = C_out)
    ("q_proj 512x512", 2048, 512, 512),
    ("gate_proj 1376x512", 2048, 512, 1376),
    ("down_proj 512x1376", 1024, 1376, 512),
]


def closed_form(dataflow, m, k, n, rows=ROWS, cols=COLS):
    """SCALE-Sim v3's stall-free cycles: Sr x Sc mapped on R x C in folds, each fold T cycles of
    streaming plus the systolic fill and drain (R + C - 2 for os; ws and is also preload their
    stationary operand, R more), less one cycle overall."""
    sr, sc, t, fill = {"os": (m, n, k, rows + cols - 2), "ws": (k, n, m, 2 * rows + cols - 2),
                       "is": (k, m, n, 2 * rows + cols - 2)}[dataflow]
    return (t + fill) * math.ceil(sr / rows) * math.ceil(sc / cols) - 1


def scalesim_cycles(workdir, name, m, k, n, dataflow, sparse):
    from scalesim.scale_sim import scalesim
    tag = f"{name.split()[0]}_{dataflow}_{'24' if sparse else 'dense'}"
    folder = os.path.join(workdir, tag)
    os.makedirs(folder, exist_ok=True)
    config = os.path.join(folder, "scale.cfg")
    with open(config, "w") as f:
        f.write(f"""[general]
run_name = {tag}

[architecture_presets]
ArrayHeight = {ROWS}
ArrayWidth = {COLS}
IfmapSramSzkB = 65536
FilterSramSzkB = 65536
OfmapSramSzkB = 65536
IfmapOffset = 0
FilterOffset = 10000000
OfmapOffset = 20000000
Dataflow = {dataflow}
Bandwidth = 10000
ReadRequestBuffer = 32
WriteRequestBuffer = 32

[layout]
IfmapCustomLayout = False
IfmapSRAMBankBandwidth = 10
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterCustomLayout = False
FilterSRAMBankBandwidth = 10
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2

[sparsity]
SparsitySupport = {'true' if sparse else 'false'}
SparseRep = ellpack_block
OptimizedMapping = false
BlockSize = 4
RandomNumberGeneratorSeed = 40

[run_presets]
InterfaceBandwidth = USER
UseRamulatorTrace = False
""")
    topology = os.path.join(folder, "gemm.csv")
    with open(topology, "w") as f:
        f.write("Layer, M, N, K, Sparsity,\n")
        f.write(f"{tag}, {m}, {n}, {k}, {'2:4' if sparse else '1:1'},\n")
    layout = os.path.join(folder, "layout.csv")  # required by the API; unused without custom layouts
    with open(layout, "w") as f:
        f.write("Layer, IfmapIntraline, IfmapIntraRow, IfmapIntraCol, IfmapInterline, FilterIntraline, FilterIntraRow, FilterIntraCol,\n")
        f.write(f"{tag}, 1, 1, 1, 1, 1, 1, 1,\n")
    sim = scalesim(save_disk_space=True, verbose=False, config=config, topology=topology, layout=layout,
                   input_type_gemm=True)
    sim.run_scale(top_path=folder)
    with open(os.path.join(folder, tag, "COMPUTE_REPORT.csv")) as f:
        row = next(csv.DictReader(f, skipinitialspace=True))
    return int(float(row["Total Cycles"])), int(float(row.get("Stall Cycles", 0) or 0))


def write_trace(path, k, n, two_of_four):
    rng = np.random.default_rng(0)
    mask = np.ones((n, k), dtype=bool)
    if two_of_four:
        mask = np.zeros((n, k), dtype=bool)
        for group in range(0, k, 4):
            for row in range(n):
                mask[row, group + rng.choice(4, 2, replace=False)] = True
    with h5py.File(path, "w") as f:
        f.attrs.update(format="sparsim-trace", version=1, model="crosscheck", method="synthetic",
                       target_sparsity=0.5 if two_of_four else 0.0, pattern="2:4" if two_of_four else "unstructured",
                       seqlen=0, calibration_samples=0, created_by="crosscheck_scalesim.py")
        f.create_group("config")
        f.create_group("metrics")
        data = f.create_dataset("layers/0/q_proj/mask", data=np.packbits(mask, axis=1))
        data.attrs["shape"] = np.array([n, k], dtype=np.int64)
        data.attrs["nnz"] = int(mask.sum())


def sparsim_engine_cycles(binary, workdir, m, k, n, two_of_four):
    trace = os.path.join(workdir, f"sparsim_{n}x{k}_{'24' if two_of_four else 'dense'}.h5")
    write_trace(trace, k, n, two_of_four)
    hw = os.path.join(workdir, "hw.json")
    with open(hw, "w") as f:
        json.dump({"dramGBps": 1e9, "weightBufferKiB": 65536, "inputBufferKiB": 65536, "indexBufferKiB": 65536,
                   "outputBufferKiB": 65536, "nmDatapath": True, "tokens": m}, f)
    out = subprocess.run([binary, "simulate", "--trace", trace, "--hw", hw, "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    layer = json.loads(out)["layers"][0]
    return int(layer["dense_cycles"]), int(layer["compute_cycles"]), layer


def main():
    binary, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    print(f"M = tokens; sparsim's cycles are its engines' alone (bandwidth and buffers unlimited)\n")
    print(f"{'layer (M tokens)':<26} {'dataflow':<8} {'dense':>9} {'closed form':>11} {'2:4':>9} {'closed form':>11} {'2:4 speedup':>11}")
    for name, m, k, n in SHAPES:
        label = f"{name} ({m})"
        for dataflow in ("os", "ws", "is"):
            dense, _ = scalesim_cycles(workdir, name, m, k, n, dataflow, False)
            sparse, _ = scalesim_cycles(workdir, name, m, k, n, dataflow, True)
            print(f"{label:<26} {dataflow:<8} {dense:>9} {closed_form(dataflow, m, k, n):>11} {sparse:>9} "
                  f"{closed_form(dataflow, m, k // 2, n):>11} {dense / sparse:>11.3f}")
        dense_total, _, _ = sparsim_engine_cycles(binary, workdir, m, k, n, False)
        _, sparse_engines, layer = sparsim_engine_cycles(binary, workdir, m, k, n, True)
        print(f"{label:<26} {'sparsim':<8} {dense_total:>9} {'':>11} {sparse_engines:>9} {'':>11} "
              f"{dense_total / sparse_engines:>11.3f}   (N:M datapath {layer['nm_datapath']}, lines {layer['dense_lines']})")


if __name__ == "__main__":
    main()
