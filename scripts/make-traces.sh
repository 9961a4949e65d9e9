#!/usr/bin/env bash
# Regenerates the real traces from one of the two real models, with identical calibration for every
# method: 32 windows × 512 tokens drawn with seed 0 from the five Austen novels other than Persuasion
# (the default --calib); perplexity on the first 16 windows × 512 tokens of Persuasion. Masks only.
#
#   bash scripts/make-traces.sh            SmolLM2-135M into traces/ (shipped; about 20 minutes on 2 cores)
#   bash scripts/make-traces.sh qwen       Qwen2.5-Coder-0.5B into traces/qwen/ (not shipped: 45 MB a trace;
#                                          about 3.5 hours on 2 cores; needs scripts/fetch-qwen.sh first)
#   bash scripts/make-traces.sh qwen NAME  only the run called NAME (e.g. qwen-besa-row-50)
#
# Each run's per-block log goes to traces/logs/NAME.log (committed for both models). BESA runs as the
# paper defines it (--update-weights none, masks only), as the shipped traces were made; BESA with
# the least-squares update (prune's default now) is in scripts/besa-studies.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
model_name=${1:-smollm2}
only=${2:-}
case "$model_name" in
  smollm2) model=data/SmolLM2-135M-Instruct.Q4_1.gguf; outdir=traces ;;
  qwen)    model=data/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf; outdir=traces/qwen ;;
  *) echo "make-traces.sh: unknown model '$model_name' (smollm2 or qwen)" >&2; exit 2 ;;
esac
[[ -f "$model" ]] || { echo "make-traces.sh: $model is missing (scripts/fetch-data.sh, scripts/fetch-qwen.sh)" >&2; exit 1; }
# SPARSIM=path runs an already built binary (e.g. a copy, while the sources change).
sparsim=${SPARSIM:-.build/release/sparsim}
[[ -n "${SPARSIM:-}" ]] || swift build -c release --product sparsim
common=(--model "$model" --samples 32 --seqlen 512 --seed 0
        --eval data/text/austen_persuasion.txt --eval-seqlen 512 --eval-windows 16)
mkdir -p "$outdir" traces/logs
quantized() {  # quantized NAME ARGS...: prune into OUTDIR/NAME.h5, log in traces/logs/NAME.log
    local name=$1; shift
    [[ -z "$only" || "$only" == "$name" ]] || return 0
    echo "== $name"
    "$sparsim" prune "${common[@]}" "$@" --out "$outdir/$name.h5" | tee "traces/logs/$name.log"
}
run() {  # run NAME ARGS...: the same, masks only (quantized traces must keep their weights)
    quantized "$@" --masks-only
}
if [[ "$model_name" == smollm2 ]]; then
    run smollm2-besa-row-50   --method besa --granularity row --sparsity 0.5 --update-weights none
    run smollm2-wanda-50      --method wanda --sparsity 0.5
    run smollm2-sparsegpt-50  --method sparsegpt --sparsity 0.5
    run smollm2-wanda-2of4    --method wanda --pattern 2:4
    run smollm2-sparsegpt-2of4 --method sparsegpt --pattern 2:4
else
    run qwen-besa-row-50      --method besa --granularity row --sparsity 0.5 --update-weights none
    run qwen-wanda-2of4       --method wanda --pattern 2:4
    run qwen-sparsegpt-2of4   --method sparsegpt --pattern 2:4
    run qwen-magnitude-2of4   --method magnitude --pattern 2:4
    run qwen-besa-layer-50    --method besa --granularity layer --sparsity 0.5 --update-weights none
    run qwen-wanda-50         --method wanda --sparsity 0.5
    run qwen-sparsegpt-50     --method sparsegpt --sparsity 0.5
    run qwen-magnitude-50     --method magnitude --sparsity 0.5
    quantized qwen-rtn4       --method rtn --wbits 4
    quantized qwen-besa-joint4 --method besa --granularity row --sparsity 0.5 --wbits 4 --quantization joint
fi
