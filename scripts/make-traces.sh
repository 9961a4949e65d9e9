#!/usr/bin/env bash
# Regenerates the real traces in traces/ from the shipped model (see traces/README.md): BESA row-wise,
# Wanda and SparseGPT at 50% unstructured, Wanda and SparseGPT at 2:4. Identical calibration for all:
# 32 windows × 512 tokens, seed 0, from the five Austen novels other than Persuasion (the default
# --calib); perplexity on the first 16 windows × 512 tokens of Persuasion. Masks only (no weights).
# Takes about 20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product sparsim
sparsim=.build/release/sparsim
model=data/SmolLM2-135M-Instruct.Q4_1.gguf
common=(--model "$model" --samples 32 --seqlen 512 --seed 0 --masks-only
        --eval data/text/austen_persuasion.txt --eval-seqlen 512 --eval-windows 16)
mkdir -p traces/logs
run() {  # run NAME ARGS...: prune into traces/NAME.h5, log beside it
    local name=$1; shift
    echo "== $name"
    "$sparsim" prune "${common[@]}" "$@" --out "traces/$name.h5" | tee "traces/logs/$name.log"
}
run smollm2-besa-row-50   --method besa --granularity row --sparsity 0.5
run smollm2-wanda-50      --method wanda --sparsity 0.5
run smollm2-sparsegpt-50  --method sparsegpt --sparsity 0.5
run smollm2-wanda-2of4    --method wanda --pattern 2:4
run smollm2-sparsegpt-2of4 --method sparsegpt --pattern 2:4
