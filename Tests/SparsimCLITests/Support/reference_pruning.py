"""Wanda and SparseGPT as their reference implementations run them (locuslab/wanda lib/prune.py,
IST-DASLab/sparsegpt), written again in PyTorch on transformers' model (fp32, the GGUF dequantized
by transformers), for sparsim's tests. Usage:

  reference_pruning.py GGUF METHOD IDS.npy SPARSITY OUT [TRACE.h5]

METHOD is wanda or sparsegpt; IDS.npy the calibration windows (int [windows, seqlen], the file
`sparsim prune --calib-ids` reads). Blocks are pruned one at a time: hooks on the seven linears
collect the statistics while the dense block runs on every window, the linears are pruned, and the
pruned block's outputs become the next block's inputs. OUT holds, block by block and linear by
linear in the order q, k, v, o, gate, up, down: the keep-mask as C_out × C_in bytes (1 = kept),
then, for Wanda, each row's margin at the pruning boundary as C_out little-endian float32
((score of the first kept − score of the last pruned) / the larger of the two; 0 is a tie).

With TRACE.h5 (a sparsim trace of the same run), each block's outputs are computed with the trace's
pruned weights (its masks, or its updated weights when it has them) instead of the reference's own:
the masks are still the reference's, but every block sees sparsim's inputs, so one block's
near-tie flips do not compound into the next block's statistics.
"""
import os
import sys
import time

import h5py
import numpy as np
import torch
from transformers import AutoModelForCausalLM

PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class Statistics:
    """The references' running averages: Wanda's scaler_row and SparseGPT's H, one window at a time."""

    def __init__(self, columns, with_hessian):
        self.samples = 0
        self.scaler_row = torch.zeros(columns)
        self.hessian = torch.zeros(columns, columns) if with_hessian else None

    def add(self, x):
        x = x.reshape(-1, x.shape[-1]).t().float()  # channels x tokens
        self.scaler_row *= self.samples / (self.samples + 1)
        if self.hessian is not None:
            self.hessian *= self.samples / (self.samples + 1)
        self.samples += 1
        self.scaler_row += torch.norm(x, p=2, dim=1) ** 2 / self.samples
        if self.hessian is not None:
            x = (2 / self.samples) ** 0.5 * x
            self.hessian += x.matmul(x.t())


def wanda(weight, stats, sparsity):
    metric = weight.abs() * torch.sqrt(stats.scaler_row.reshape(1, -1))
    values, order = torch.sort(metric, dim=-1, stable=True)
    count = int(weight.shape[1] * sparsity)
    mask = torch.ones_like(weight, dtype=torch.bool)
    mask.scatter_(1, order[:, :count], False)
    last, first = values[:, count - 1], values[:, count]
    margin = (first - last) / torch.clamp(torch.maximum(first, last), min=1e-30)
    return mask, weight * mask, margin


def sparsegpt(weight, stats, sparsity, blocksize=128, percdamp=0.01):
    w = weight.clone().float()
    h = stats.hessian.clone()
    dead = torch.diag(h) == 0
    h[dead, dead] = 1
    w[:, dead] = 0
    damp = percdamp * torch.mean(torch.diag(h))
    h[torch.arange(h.shape[0]), torch.arange(h.shape[0])] += damp
    h = torch.linalg.cholesky(h)
    h = torch.cholesky_inverse(h)
    hinv = torch.linalg.cholesky(h, upper=True)
    pruned = torch.zeros_like(w, dtype=torch.bool)
    for i1 in range(0, w.shape[1], blocksize):
        i2 = min(i1 + blocksize, w.shape[1])
        count = i2 - i1
        w1 = w[:, i1:i2].clone()
        err1 = torch.zeros_like(w1)
        hinv1 = hinv[i1:i2, i1:i2]
        tmp = w1 ** 2 / (torch.diag(hinv1).reshape((1, -1))) ** 2
        threshold = torch.sort(tmp.flatten())[0][int(tmp.numel() * sparsity)]
        mask1 = tmp <= threshold
        for i in range(count):
            wcol = w1[:, i]
            d = hinv1[i, i]
            q = wcol.clone()
            q[mask1[:, i]] = 0
            err = (wcol - q) / d
            w1[:, i:] -= err.unsqueeze(1).matmul(hinv1[i, i:].unsqueeze(0))
            w1[:, i] = q
            err1[:, i] = err
        w[:, i1:i2] = w1
        pruned[:, i1:i2] = mask1
        w[:, i2:] -= err1.matmul(hinv[i1:i2, i2:])
    return ~pruned, w, None


def traced_weight(trace, index, projection, dense):
    """The trace's pruned weight of one linear: its stored weights, else the dense ones masked."""
    group = trace[f"layers/{index}/{projection}"]
    if "weight" in group:
        return torch.from_numpy(group["weight"][()]).float()
    keep = np.unpackbits(group["mask"][()], axis=1)[:, : dense.shape[1]].astype(bool)
    return dense * torch.from_numpy(keep)


def main():
    path, method, ids_path, sparsity, out = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
    trace = h5py.File(sys.argv[6], "r") if len(sys.argv) > 6 else None
    torch.set_num_threads(2)
    folder, name = os.path.split(os.path.abspath(path))
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
    ids = torch.tensor(np.load(ids_path).astype(np.int64))
    rule = {"wanda": wanda, "sparsegpt": sparsegpt}[method]
    output = open(out, "wb")
    start = time.perf_counter()
    with torch.no_grad():
        inputs = [model.model.embed_tokens(window[None, :]) for window in ids]
        positions = torch.arange(ids.shape[1])[None, :]
        rotary = model.model.rotary_emb(inputs[0], positions)
        for index, layer in enumerate(model.model.layers):
            linears = {p: getattr(layer.self_attn if p in PROJECTIONS[:4] else layer.mlp, p) for p in PROJECTIONS}
            stats = {p: Statistics(linear.in_features, method == "sparsegpt") for p, linear in linears.items()}
            hooks = [linear.register_forward_hook(lambda _, inp, __, p=p: stats[p].add(inp[0]))
                     for p, linear in linears.items()]
            for x in inputs:
                layer(x, position_ids=positions, position_embeddings=rotary)
            for hook in hooks:
                hook.remove()
            for p, linear in linears.items():
                mask, weight, margin = rule(linear.weight.data, stats[p], sparsity)
                if trace is not None:
                    weight = traced_weight(trace, index, p, linear.weight.data)
                linear.weight.data = weight.to(linear.weight.dtype)
                output.write(mask.numpy().astype(np.uint8).tobytes())
                if margin is not None:
                    output.write(margin.numpy().astype("<f4").tobytes())
            inputs = [layer(x, position_ids=positions, position_embeddings=rotary) for x in inputs]
            print(f"block {index + 1}/{len(model.model.layers)}", file=sys.stderr)
    output.close()
    print(f"pruning seconds {time.perf_counter() - start:.1f}", file=sys.stderr)  # after loading, as sparsim prune reports


if __name__ == "__main__":
    main()
