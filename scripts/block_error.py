"""Per-block reconstruction error of pruning traces, each block pruned alone on dense inputs.

For every block b and every trace: replace block b's seven linears by the trace's (masked original
weights, or the trace's own weights when it stores them; with --masks-only-weights always the
masked originals), run the otherwise dense model, and measure BESA's normalized reconstruction loss
of block b's output against the dense model's:  Σ_t,c ((Y_ref − Y)_tc / ‖Y_ref[:, c]‖)² / C,
averaged over windows. Blocks see dense inputs, so this isolates each method's masks from error
propagation. Prints one row per block and the mean. Needs torch, transformers, gguf, h5py.

  python3 scripts/block_error.py GGUF TEXT WINDOWS SEQLEN [--masks-only-weights LABEL] LABEL=TRACE ...

Use text the masks were not evaluated on (e.g. a calibration novel), never the evaluation text.
"""
import os
import sys

import h5py
import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

PROJECTIONS = [("self_attn", "q_proj"), ("self_attn", "k_proj"), ("self_attn", "v_proj"), ("self_attn", "o_proj"),
               ("mlp", "gate_proj"), ("mlp", "up_proj"), ("mlp", "down_proj")]


def read_layer(trace, block, name, use_weights):
    group = trace[f"layers/{block}/{name}"]
    rows, cols = group["mask"].attrs["shape"]
    keep = np.unpackbits(group["mask"][...], axis=1)[:, :cols].astype(bool)
    weight = group["weight"][...] if use_weights and "weight" in group else None
    return keep, weight


def main():
    gguf, text_path, windows, seqlen = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rest = sys.argv[5:]
    mask_only_labels = set()
    while rest and rest[0] == "--masks-only-weights":
        mask_only_labels.add(rest[1])
        rest = rest[2:]
    traces = [(spec.split("=", 1)[0], h5py.File(spec.split("=", 1)[1], "r")) for spec in rest]
    torch.set_num_threads(2)
    folder, name = os.path.split(os.path.abspath(gguf))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
    ids = tokenizer(open(text_path, encoding="utf-8").read(), add_special_tokens=False)["input_ids"]
    batch = torch.tensor([ids[i * seqlen:(i + 1) * seqlen] for i in range(windows)])

    all_layers = model.model.layers

    class Captured(Exception):
        pass

    def block_outputs(block):
        # Capture block `block`'s raw output with a hook and stop there: the blocks after it and
        # the vocabulary head do not matter.
        captured = {}

        def hook(module, inputs, output):
            captured["y"] = output[0] if isinstance(output, tuple) else output
            raise Captured()

        handle = all_layers[block].register_forward_hook(hook)
        try:
            with torch.no_grad():
                model.model(batch, use_cache=False)
        except Captured:
            pass
        finally:
            handle.remove()
        return captured["y"]

    blocks = len(all_layers)
    print("block  " + "  ".join(f"{label:>14}" for label, _ in traces))
    totals = np.zeros(len(traces))
    for block in range(blocks):
        reference = block_outputs(block)
        norms = (reference ** 2).sum(dim=1, keepdim=True).clamp_min(1e-12)  # per window and channel, over tokens
        layer = all_layers[block]
        originals = {n: getattr(getattr(layer, m), n).weight.data.clone() for m, n in PROJECTIONS}
        losses = []
        for label, trace in traces:
            for module, n in PROJECTIONS:
                keep, weight = read_layer(trace, block, n, label not in mask_only_labels)
                base = torch.from_numpy(weight) if weight is not None else originals[n]
                getattr(getattr(layer, module), n).weight.data = base * torch.from_numpy(keep).float()
            output = block_outputs(block)
            loss = (((reference - output) ** 2) / norms).sum(dim=(1, 2)) / reference.shape[-1]
            losses.append(loss.mean().item())
            for module, n in PROJECTIONS:
                getattr(getattr(layer, module), n).weight.data = originals[n]
        totals += losses
        print(f"{block:5d}  " + "  ".join(f"{v:14.5f}" for v in losses), flush=True)
    print("mean   " + "  ".join(f"{v / blocks:14.5f}" for v in totals))


if __name__ == "__main__":
    main()
