"""Independent NumPy transcription of BESA hw_sim's compute-only cycle count (its layer loop,
down_proj patch loop, relabeling through label 200, and sparse_linear_simulate), used to check
that `sparsim simulate --model compute --reference-quirks` reproduces the reference exactly.

Usage: python3 reference_hw_sim.py TRACE.h5  -> one line per layer: block proj cycles dense_cycles
"""
import math
import sys

import h5py
import numpy as np

PE_WIDTH = PE_HEIGHT = 64
TEMP = 200


def relabeled(kept, high):
    """The matrix after moving the dense columns `high` to the front the way reorder.calc does it
    (edges a = column label, b = row label; both relabeled; out-of-range entries dropped)."""
    rows, cols = kept.shape
    b, a = np.nonzero(kept)
    a = a.astype(np.int64)
    b = b.astype(np.int64)
    for i, h in enumerate(high):
        a[a == i] = TEMP
        b[b == i] = TEMP
        a[a == h] = i
        b[b == h] = i
        a[a == TEMP] = h
        b[b == TEMP] = h
    pruned = np.ones((rows, cols))
    inside = (a < cols) & (b < rows)
    pruned[b[inside], a[inside]] = 0
    return pruned


def simulate(pruned, global_cols):
    rows, cols = pruned.shape
    sparse_kept = int(np.count_nonzero(1 - pruned[:, global_cols:]))
    dense_ratio = global_cols * rows / (sparse_kept + global_cols * rows)
    dense_width = int(PE_WIDTH * dense_ratio)
    sparse_width = PE_WIDTH - dense_width
    dense = math.ceil(cols * global_cols / (dense_width * PE_HEIGHT)) if dense_width > 0 else 0
    sparse = math.ceil(sparse_kept / (sparse_width * PE_HEIGHT)) if sparse_width > 0 else sparse_kept
    return max(dense, sparse)


def layer_cycles(kept):
    rows = kept.shape[0]
    counts = kept.sum(axis=0)
    total = int(kept.sum())
    ratio, tries, best = 0.5, 0, float("inf")
    while True:
        threshold = np.float32(ratio * rows)
        high = np.nonzero(counts.astype(np.float32) > threshold)[0]
        dense_kept = int(counts[high].sum())
        cycles = simulate(relabeled(kept, high), len(high))
        best = min(best, cycles)
        share = dense_kept / total
        if share >= 0.6:
            ratio += 0.1
            tries += 1
        elif share <= 0.4:
            ratio -= 0.1
            tries += 1
        else:
            break
        if tries == 5:
            break
    return best


def main(path):
    with h5py.File(path, "r") as f:
        for block in sorted(f["layers"], key=int):
            for proj in f["layers"][block]:
                d = f["layers"][block][proj]["mask"]
                rows, cols = (int(x) for x in d.attrs["shape"])
                kept = np.unpackbits(d[...], axis=1)[:, :cols].astype(bool)
                if proj == "down_proj" and cols > rows:
                    patches = [kept[:, s:s + rows] for s in range(0, cols, rows)]
                    cycles = sum(layer_cycles(p) for p in patches)
                    dense = sum(math.ceil(p.shape[1] * p.shape[1] / (PE_WIDTH * PE_HEIGHT)) for p in patches)
                else:
                    cycles = layer_cycles(kept)
                    dense = math.ceil(cols * cols / (PE_WIDTH * PE_HEIGHT))
                print(block, proj, cycles, dense)


if __name__ == "__main__":
    main(sys.argv[1])
