#!/usr/bin/env bash
# The BESA studies of the README on SmolLM2-135M at 50%, with the calibration and evaluation of
# scripts/make-traces.sh (32 × 512 windows seed 0; first 16 × 512 tokens of Persuasion), so that
# every number sits next to that table's SparseGPT and BESA rows.
#
#   bash scripts/besa-studies.sh updates [NAME]    "BESA with a weight update": every --update-weights
#                                                  variant, and the same updates on Wanda's and
#                                                  SparseGPT's masks (about 2-8 minutes a run)
#   bash scripts/besa-studies.sh ablations [NAME]  "BESA ablations" (the paper's Appendix A): each run
#                                                  varies one setting of the default BESA (row-wise,
#                                                  least-squares update, 32 windows, 1 epoch, 101
#                                                  candidates, Wanda importance, softmax(sigmoid(α)));
#                                                  about 2.5 hours in all on 2 cores
#   bash scripts/besa-studies.sh zeroshot [NAME]   "Zero-shot accuracy": dense, magnitude, Wanda, SparseGPT
#                                                  and BESA (row and layer) on the two offline tasks
#                                                  `sparsim task make` builds from Persuasion (73 cloze,
#                                                  500 endings items), next to perplexity; about 70 minutes
#
# NAME runs only that run (e.g. besa-row-lstsq, samples-128). Traces go to traces/study/ (not
# committed), logs to traces/logs/study-NAME.log or traces/logs/ablation-NAME.log (committed).
set -euo pipefail
cd "$(dirname "$0")/.."
study=${1:-}
only=${2:-}
model=data/SmolLM2-135M-Instruct.Q4_1.gguf
[[ -f "$model" ]] || { echo "besa-studies.sh: $model is missing (scripts/fetch-data.sh)" >&2; exit 1; }
case "$study" in
  updates) prefix=study ;;
  ablations) prefix=ablation ;;
  zeroshot) prefix=zeroshot ;;
  *) echo "besa-studies.sh: say which study: updates, ablations or zeroshot" >&2; exit 2 ;;
esac
# SPARSIM=path runs an already built binary (e.g. a copy, while the sources change).
sparsim=${SPARSIM:-.build/release/sparsim}
[[ -n "${SPARSIM:-}" ]] || swift build -c release --product sparsim
mkdir -p traces/study traces/logs
tasks=()
if [[ "$study" == zeroshot ]]; then
    for kind in cloze endings; do
        "$sparsim" task make --kind "$kind" --seed 0 --out "traces/study/$kind.jsonl"
        tasks+=(--eval-task "traces/study/$kind.jsonl")
    done
fi
run() {  # run NAME ARGS...: one prune of the common protocol; --samples N as first ARGS replaces 32
    local name=$1; shift
    [[ -z "$only" || "$only" == "$name" ]] || return 0
    local samples=32
    if [[ "${1:-}" == --samples ]]; then samples=$2; shift 2; fi
    echo "== $name"
    "$sparsim" prune --model "$model" --sparsity 0.5 --masks-only --samples "$samples" --seqlen 512 --seed 0 \
        --eval data/text/austen_persuasion.txt --eval-seqlen 512 --eval-windows 16 \
        ${tasks[@]+"${tasks[@]}"} "$@" --out "traces/study/$prefix-$name.h5" | tee "traces/logs/$prefix-$name.log"
}
if [[ "$study" == updates ]]; then
    for update in lstsq reprune sparsegpt; do
        run "besa-row-$update" --method besa --granularity row --update-weights "$update"
    done
    run besa-layer-lstsq --method besa --granularity layer --update-weights lstsq
    # Controls: the same updates on other methods' masks separate the allocation from the update.
    run wanda-lstsq      --method wanda --update-weights lstsq
    run sparsegpt-lstsq  --method sparsegpt --update-weights lstsq
    run wanda-reprune    --method wanda --update-weights reprune      # SparseGPT with 50% in every row
elif [[ "$study" == zeroshot ]]; then
    if [[ -z "$only" || "$only" == dense ]]; then
        echo "== dense"
        for kind in cloze endings; do "$sparsim" eval --model "$model" --task "traces/study/$kind.jsonl"; done |
            tee traces/logs/zeroshot-dense.log
    fi
    run magnitude        --method magnitude
    run wanda            --method wanda
    run sparsegpt        --method sparsegpt
    run besa-row-lstsq   --method besa --granularity row      # the default BESA: learned rows + least squares
    run besa-layer-lstsq --method besa --granularity layer
    run besa-row-none    --method besa --granularity row --update-weights none   # the paper's BESA: masks only
else
    besa=(--method besa --granularity row)
    run samples-128          --samples 128 "${besa[@]}"
    run importance-magnitude "${besa[@]}" --importance magnitude
    run importance-obs       "${besa[@]}" --importance obs
    run softmax              "${besa[@]}" --parameterization softmax
    run candidates-21        "${besa[@]}" --candidates 21
    run samples-16           --samples 16 "${besa[@]}"
    run samples-64           --samples 64 "${besa[@]}"
    run epochs-2             "${besa[@]}" --epochs 2
    run candidates-11        "${besa[@]}" --candidates 11
    run candidates-51        "${besa[@]}" --candidates 51
    run epochs-4             "${besa[@]}" --epochs 4
fi
