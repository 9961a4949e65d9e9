#!/usr/bin/env bash
# sparsim against PyTorch on this CPU, side by side in one run: the forward pass (dense perplexity of
# the first windows of Persuasion at seqlen 512 and 2048: sparsim eval against transformers, fp32,
# 2 threads) and pruning (sparsim prune against the PyTorch Wanda and SparseGPT of
# Tests/SparsimCLITests/Support/reference_pruning.py, on the same calibration windows).
#
#   bash scripts/bench-vs-torch.sh [forward|prune|all]     (default all; run it on an idle machine)
#
# The two sides alternate (sparsim first in odd rounds, PyTorch first in even ones) and each side's
# best round counts; model loading is not timed on either side. "speed ratio" is sparsim's speed over
# PyTorch's (PyTorch's seconds ÷ sparsim's): above 1, sparsim is faster. "ceiling" is the ratio an
# engine would reach that ran every multiply-add of the window at this machine's sgemm peak.
# Settings by environment: ROUNDS (forward, default 2), WINDOWS_512 (8), WINDOWS_2048 (2),
# PRUNE_ROUNDS (1), PRUNE_SAMPLES (32), PRUNE_SEQLEN (512). Installs torch 2.13 (CPU), transformers, gguf, accelerate, h5py if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
[[ "$what" == forward || "$what" == prune || "$what" == all ]] || { echo "bench-vs-torch.sh: forward, prune or all" >&2; exit 2; }
model=data/SmolLM2-135M-Instruct.Q4_1.gguf
text=data/text/austen_persuasion.txt
[[ -f "$model" && -f "$text" ]] || bash scripts/fetch-data.sh
if ! python3 -c "import torch, transformers, gguf, accelerate, h5py, numpy" 2>/dev/null; then
    echo "installing torch 2.13 (CPU), transformers, gguf, accelerate, h5py"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        --extra-index-url https://download.pytorch.org/whl/cpu torch==2.13.0 transformers gguf accelerate h5py numpy
fi
# SPARSIM=path runs an already built binary (e.g. a copy, while the sources change).
sparsim=${SPARSIM:-.build/release/sparsim}
[[ -n "${SPARSIM:-}" ]] || swift build -c release --product sparsim >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=2

best() { printf '%s\n' "$@" | sort -g | head -1; }   # the smallest of its arguments

if [[ "$what" != prune ]]; then
    # What no fp32 engine can beat here: a window's multiply-adds at this machine's sgemm peak
    # (`sparsim bench forward`); "ceiling" is that speed over PyTorch's, the most the ratio can be.
    roofline=$("$sparsim" bench forward --model "$model" --data "$text" --seqlen 512 --seqlen 2048 --windows 1)
    echo "forward: dense perplexity of the first windows of $text (best of ${ROUNDS:-2} interleaved rounds)"
    printf "%-8s %8s %12s %12s %10s %9s %14s\n" seqlen windows "sparsim tok/s" "torch tok/s" "speed ratio" ceiling "ppl (s / t)"
    for seqlen in 512 2048; do
        windows=$([[ $seqlen == 512 ]] && echo "${WINDOWS_512:-8}" || echo "${WINDOWS_2048:-2}")
        ours=() theirs=() ppl_ours="" ppl_theirs=""
        for round in $(seq "${ROUNDS:-2}"); do
            for side in $( (( round % 2 )) && echo "sparsim torch" || echo "torch sparsim"); do
                if [[ $side == sparsim ]]; then
                    out=$("$sparsim" eval --model "$model" --data "$text" --seqlen "$seqlen" --max-windows "$windows")
                    ours+=("$(awk '$1 == "seconds" {print $2}' <<<"$out")")
                    ppl_ours=$(awk '$1 == "perplexity" {print $2}' <<<"$out")
                else
                    out=$(python3 scripts/torch_forward.py "$model" "$text" "$seqlen" "$windows" 2>/dev/null)
                    theirs+=("$(awk '{print $2}' <<<"$out")")
                    ppl_theirs=$(awk '{print $4}' <<<"$out")
                fi
            done
        done
        s=$(best "${ours[@]}") t=$(best "${theirs[@]}")
        atPeak=$(awk -v L="$seqlen" '$1 == "seqlen" { length_ = $2 + 0 } length_ == L && /every FLOP at the peak/ {
            sub(/.*every FLOP at the peak: /, ""); print $1 + 0 }' <<<"$roofline")
        awk -v L="$seqlen" -v n="$windows" -v s="$s" -v t="$t" -v ps="$ppl_ours" -v pt="$ppl_theirs" -v peak="$atPeak" 'BEGIN {
            printf "%-8d %8d %12.1f %12.1f %9.2fx %8.2fx %7s/%-7s\n", L, n, L * n / s, L * n / t, t / s, peak / (L * n / t), ps, pt }'
    done
fi

if [[ "$what" != forward ]]; then
    samples=${PRUNE_SAMPLES:-32} seqlen=${PRUNE_SEQLEN:-512}
    # N random windows of L tokens (seed 0) from the calibration texts (all but Persuasion), one file for both sides.
    python3 - "$model" "$samples" "$seqlen" "$work/ids.npy" <<'PY'
import os, sys, numpy as np
from transformers import AutoTokenizer
path, count, seqlen, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
folder, name = os.path.split(os.path.abspath(path))
tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
ids = np.concatenate([tokenizer(open(os.path.join("data/text", f), encoding="utf-8").read(), add_special_tokens=False,
                                return_tensors="np").input_ids[0] for f in sorted(os.listdir("data/text")) if f != "austen_persuasion.txt"])
starts = np.random.default_rng(0).integers(0, len(ids) - seqlen, size=count)
np.save(out, np.stack([ids[s:s + seqlen] for s in starts]).astype(np.int32))
PY
    echo "pruning at 50%: $samples calibration windows × $seqlen tokens (best of ${PRUNE_ROUNDS:-1} interleaved rounds)"
    printf '%-10s %12s %12s %12s\n' method "sparsim s" "torch s" "speed ratio"
    for method in wanda sparsegpt; do
        ours=() theirs=()
        for round in $(seq "${PRUNE_ROUNDS:-1}"); do
            for side in $( (( round % 2 )) && echo "sparsim torch" || echo "torch sparsim"); do
                if [[ $side == sparsim ]]; then
                    out=$("$sparsim" prune --model "$model" --method "$method" --sparsity 0.5 --calib-ids "$work/ids.npy" \
                        --masks-only --out "$work/$method.h5")
                    ours+=("$(sed -n 's/.*(pruning \([0-9.]*\) s.*/\1/p' <<<"$out")")
                else
                    out=$(python3 Tests/SparsimCLITests/Support/reference_pruning.py "$model" "$method" "$work/ids.npy" 0.5 \
                        "$work/$method.bin" 2>&1 >/dev/null)
                    theirs+=("$(awk '$1 == "pruning" {print $3}' <<<"$out")")
                fi
            done
        done
        s=$(best "${ours[@]}") t=$(best "${theirs[@]}")
        awk -v m="$method" -v s="$s" -v t="$t" 'BEGIN { printf "%-10s %12.1f %12.1f %11.2fx\n", m, s, t, t / s }'
    done
fi
