#!/usr/bin/env bash
# BESA's allocation combined with a weight update (README "BESA with a weight update"): every
# variant of `prune --method besa --update-weights` on SmolLM2-135M at 50%, with the calibration
# and evaluation of scripts/make-traces.sh (32 × 512 seed 0; first 16 × 512 of Persuasion), so the
# numbers sit next to that table's SparseGPT and BESA rows. About 2-8 minutes a run on 2 cores.
#
#   bash scripts/besa-update-study.sh              every variant
#   bash scripts/besa-update-study.sh NAME         only the run called NAME (e.g. besa-row-lstsq)
#
# Traces go to traces/study/ (not committed), logs to traces/logs/study-NAME.log (committed).
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-}
model=data/SmolLM2-135M-Instruct.Q4_1.gguf
[[ -f "$model" ]] || { echo "besa-update-study.sh: $model is missing (scripts/fetch-data.sh)" >&2; exit 1; }
sparsim=${SPARSIM:-.build/release/sparsim}
[[ -n "${SPARSIM:-}" ]] || swift build -c release --product sparsim
common=(--model "$model" --samples 32 --seqlen 512 --seed 0 --sparsity 0.5 --masks-only
        --eval data/text/austen_persuasion.txt --eval-seqlen 512 --eval-windows 16)
mkdir -p traces/study traces/logs
run() {  # run NAME ARGS...
    local name=$1; shift
    [[ -z "$only" || "$only" == "$name" ]] || return 0
    echo "== $name"
    "$sparsim" prune "${common[@]}" "$@" --out "traces/study/$name.h5" | tee "traces/logs/study-$name.log"
}
for update in lstsq reprune sparsegpt; do
    run "besa-row-$update" --method besa --granularity row --update-weights "$update"
done
run besa-layer-lstsq --method besa --granularity layer --update-weights lstsq
# Controls: the same updates on other methods' masks separate the allocation from the update.
run wanda-lstsq      --method wanda --update-weights lstsq
run sparsegpt-lstsq  --method sparsegpt --update-weights lstsq
run wanda-reprune    --method wanda --update-weights reprune      # SparseGPT with 50% in every row
