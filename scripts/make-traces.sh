#!/usr/bin/env bash
# Regenerates the shipped traces of SmolLM2-135M, with identical calibration for every method: 32
# windows × 512 tokens drawn with seed 0 from the five Austen novels other than Persuasion (the
# default --calib); perplexity on the first 16 windows × 512 tokens of Persuasion. Masks only.
#
#   bash scripts/make-traces.sh          all five into traces/ (about 20 minutes on 2 cores)
#   bash scripts/make-traces.sh NAME     only the run called NAME (e.g. smollm2-besa-row-50)
#
# Each run's per-block log goes to traces/logs/NAME.log. BESA runs as the paper defines it
# (--update-weights none), as the shipped traces were made. The studies on the second model and
# with the other settings are tables of scripts/reproduce.sh (--list).
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-}
model=data/SmolLM2-135M-Instruct.Q4_1.gguf
outdir=traces
[[ -f "$model" ]] || { echo "make-traces.sh: $model is missing (scripts/fetch-data.sh)" >&2; exit 1; }
# SPARSIM=path runs an already built binary (e.g. a copy, while the sources change).
sparsim=${SPARSIM:-.build/release/sparsim}
[[ -n "${SPARSIM:-}" ]] || swift build -c release --product sparsim
common=(--model "$model" --samples 32 --seqlen 512 --seed 0
        --eval data/text/austen_persuasion.txt --eval-seqlen 512 --eval-windows 16)
mkdir -p "$outdir" traces/logs
run() {  # run NAME ARGS...: prune into traces/NAME.h5, masks only, log in traces/logs/NAME.log
    local name=$1; shift
    [[ -z "$only" || "$only" == "$name" ]] || return 0
    echo "== $name"
    "$sparsim" prune "${common[@]}" "$@" --masks-only --out "$outdir/$name.h5" | tee "traces/logs/$name.log"
}
run smollm2-besa-row-50    --method besa --granularity row --sparsity 0.5 --update-weights none
run smollm2-wanda-50       --method wanda --sparsity 0.5
run smollm2-sparsegpt-50   --method sparsegpt --sparsity 0.5
run smollm2-wanda-2of4     --method wanda --pattern 2:4
run smollm2-sparsegpt-2of4 --method sparsegpt --pattern 2:4
