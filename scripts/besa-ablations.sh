#!/usr/bin/env bash
# The BESA paper's ablations (its Appendix A) on SmolLM2-135M at 50%, with sparsim's default BESA
# (row-wise, least-squares weight update): calibration size, epochs, number of candidate
# sparsities, importance metric, and the parameterisation of the sparsity logits. Every run varies
# one setting of the defaults (32 × 512 calibration windows seed 0, 1 epoch, 101 candidates, Wanda
# importance, softmax(sigmoid(α))); evaluation on the first 16 × 512 tokens of Persuasion. The
# default itself is scripts/besa-update-study.sh's besa-row-lstsq.
#
#   bash scripts/besa-ablations.sh           every run (about 2.5 hours on 2 cores)
#   bash scripts/besa-ablations.sh NAME      only the run called NAME (e.g. samples-128)
#
# Traces go to traces/study/ (not committed), logs to traces/logs/ablation-NAME.log (committed).
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-}
model=data/SmolLM2-135M-Instruct.Q4_1.gguf
[[ -f "$model" ]] || { echo "besa-ablations.sh: $model is missing (scripts/fetch-data.sh)" >&2; exit 1; }
sparsim=${SPARSIM:-.build/release/sparsim}
[[ -n "${SPARSIM:-}" ]] || swift build -c release --product sparsim
mkdir -p traces/study traces/logs
run() {  # run NAME ARGS... (ARGS replace the defaults they name)
    local name=$1; shift
    [[ -z "$only" || "$only" == "$name" ]] || return 0
    local samples=32
    if [[ "${1:-}" == --samples ]]; then samples=$2; shift 2; fi
    echo "== $name"
    "$sparsim" prune --model "$model" --method besa --granularity row --sparsity 0.5 --masks-only \
        --samples "$samples" --seqlen 512 --seed 0 \
        --eval data/text/austen_persuasion.txt --eval-seqlen 512 --eval-windows 16 \
        "$@" --out "traces/study/ablation-$name.h5" | tee "traces/logs/ablation-$name.log"
}
run samples-128          --samples 128
run importance-magnitude --importance magnitude
run importance-obs       --importance obs
run softmax              --parameterisation softmax
run candidates-21        --candidates 21
run samples-16           --samples 16
run samples-64           --samples 64
run epochs-2             --epochs 2
run candidates-11        --candidates 11
run candidates-51        --candidates 51
run epochs-4             --epochs 4
