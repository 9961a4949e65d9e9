"""PyTorch's side of scripts/bench-vs-torch.sh: the dense perplexity of the first windows of a text,
as `sparsim eval --data TEXT --seqlen L --max-windows N` computes it, by transformers on the CPU
(fp32, the GGUF dequantized by transformers, 2 threads). Usage:

  torch_forward.py GGUF TEXT SEQLEN WINDOWS

Prints `seconds S perplexity P tokens T`: S covers the forward passes and the loss only, not the
loading, like sparsim eval's `seconds` line.
"""
import math
import os
import sys
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main():
    path, text_path, seqlen, windows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(2)
    folder, name = os.path.split(os.path.abspath(path))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
    with open(text_path, encoding="utf-8") as f:
        ids = tokenizer(f.read(), add_special_tokens=False, return_tensors="pt").input_ids[0]
    count = min(windows, ids.numel() // seqlen)
    with torch.inference_mode():
        model(ids[None, :16])  # the first call pays PyTorch's one-time set-up; sparsim has none to pay
    start = time.perf_counter()
    losses = []
    with torch.inference_mode():
        for w in range(count):
            window = ids[w * seqlen:(w + 1) * seqlen][None, :]
            losses.append(model(window, labels=window).loss.item())  # mean NLL over tokens 1..L-1
    seconds = time.perf_counter() - start
    print(f"seconds {seconds:.3f} perplexity {math.exp(sum(losses) / len(losses)):.4f} tokens {count * seqlen}")


if __name__ == "__main__":
    main()
