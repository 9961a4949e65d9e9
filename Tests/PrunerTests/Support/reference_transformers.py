"""Reference numbers from Hugging Face transformers (fp32, the GGUF dequantized by transformers), for
sparsim's tests. Usage:

  reference_transformers.py GGUF tokens TEXT OUT      token ids of TEXT (int32 little-endian) -> OUT
  reference_transformers.py GGUF logits IDS OUT       logits (float32, tokens x vocab) of the ids in IDS
  reference_transformers.py GGUF ppl TEXT SEQLEN N    perplexity of the first N windows (printed)
  reference_transformers.py DIR  logits IDS OUT       the same for a Hugging Face directory

REFERENCE_DTYPE=float64 runs the model in double precision (a reference for both fp32 implementations).
"""
import math
import os
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


DTYPE = getattr(torch, os.environ.get("REFERENCE_DTYPE", "float32"))


def load(path, want_model):
    if os.path.isdir(path):
        tok = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=DTYPE) if want_model else None
    else:
        folder, name = os.path.split(os.path.abspath(path))
        tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=DTYPE) if want_model else None
    if model is not None:
        model.eval()
    return tok, model


def main():
    path, mode = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    if mode == "tokens":
        tok, _ = load(path, False)
        text = open(sys.argv[3], encoding="utf-8").read()
        ids = tok(text, add_special_tokens=False)["input_ids"]
        np.asarray(ids, dtype="<i4").tofile(sys.argv[4])
    elif mode == "logits":
        _, model = load(path, True)
        ids = np.fromfile(sys.argv[3], dtype="<i4")
        with torch.no_grad():
            logits = model(torch.tensor(ids[None, :], dtype=torch.long)).logits[0]
        logits.float().numpy().astype("<f4").tofile(sys.argv[4])
    elif mode == "ppl":
        tok, model = load(path, True)
        text = open(sys.argv[3], encoding="utf-8").read()
        seqlen, count = int(sys.argv[4]), int(sys.argv[5])
        ids = tok(text, add_special_tokens=False)["input_ids"]
        windows = min(len(ids) // seqlen, count)
        losses, builtin = [], []
        with torch.no_grad():
            for w in range(windows):
                x = torch.tensor([ids[w * seqlen:(w + 1) * seqlen]], dtype=torch.long)
                out = model(x, labels=x)
                # transformers' own loss runs its cross-entropy in fp32, whose log-sum-exp over a
                # vocabulary of 10^5 logits is biased low by ~3e-5 nats (Qwen2.5); the reference takes
                # the cross-entropy of the same logits in float64.
                logits = out.logits[0, :-1].double()
                losses.append(torch.nn.functional.cross_entropy(logits, x[0, 1:]).item())
                builtin.append(out.loss.item())
        print(f"tokens {len(ids)} windows {windows} seqlen {seqlen} ppl {math.exp(sum(losses) / len(losses)):.6f}"
              f" (transformers' fp32 loss: {math.exp(sum(builtin) / len(builtin)):.6f})")
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
