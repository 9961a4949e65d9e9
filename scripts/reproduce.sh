#!/usr/bin/env bash
# Regenerates a results table of docs/results/ from scratch: reruns its commands, rewrites its data
# files and the table in its document (stamped with date, commit, machine and the commands).
#
#   bash scripts/reproduce.sh --list           the tables it knows, with their document and data
#   bash scripts/reproduce.sh NAME             rerun NAME's commands and rewrite its table
#   bash scripts/reproduce.sh --check NAME     the same in a scratch copy of docs/results; fails
#                                              when a regenerated data file differs from the committed one
#   bash scripts/reproduce.sh --render NAME    only redraw NAME's table from its data files
#
# SPARSIM (default: the release build, built first) is the sparsim command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

traces="traces/smollm2-besa-row-50.h5 traces/smollm2-wanda-50.h5 traces/smollm2-sparsegpt-50.h5 traces/smollm2-wanda-2of4.h5 traces/smollm2-sparsegpt-2of4.h5"

# Each table: its document, its data files (in the document's folder), its commands (one per line,
# $OUT the folder the data files go to, $WORK a scratch folder removed afterwards), what it shows and
# roughly how long it runs on 2 cores.
table_accelerator_table4() {
    document=docs/results/accelerator.md
    data="table4.csv table4.json table4.svg table4-decode.csv table4-decode.json table4-fixed.csv table4-fixed.json table4-decode-fixed.csv table4-decode-fixed.json"
    commands="T=\"$traces\"
sparsim table --traces \$T --out \$OUT/table4.csv --plot \$OUT/table4.svg
sparsim table --traces \$T --tokens 1 --out \$OUT/table4-decode.csv
sparsim table --traces \$T --mapper fixed --out \$OUT/table4-fixed.csv
sparsim table --traces \$T --mapper fixed --tokens 1 --out \$OUT/table4-decode-fixed.csv"
    description="whole-model speedups of the five shipped traces: compute model, decode and prefill under the mapper and the fixed mapping"
    duration="5 minutes"
}

table_accelerator_engines() {
    document=docs/results/accelerator.md
    data="engines-besa-row-50.csv engines-wanda-50.csv engines-sparsegpt-50.csv engines-wanda-2of4.csv engines-sparsegpt-2of4.csv"
    commands="for t in besa-row-50 wanda-50 sparsegpt-50 wanda-2of4 sparsegpt-2of4; do sparsim simulate --trace traces/smollm2-\$t.h5 --cycle-model compute --format csv --out \$OUT/engines-\$t.csv; done"
    description="how the compute model's ratio search splits each shipped trace's weights between the dense and the sparse engine"
    duration="1 minute"
}

# Synthetic LLaMA-7B masks: $1 blocks (all 32 when empty), uniform, row- and column-varying, 2:4.
llama7b_traces() {
    local blocks=${1:+ --blocks $1}
    echo "sparsim trace synth --shape llama-7b --sparsity 0.5 --pattern uniform --seed 0$blocks --out \$WORK/uniform.h5
sparsim trace synth --shape llama-7b --sparsity 0.5 --pattern row-varying --spread 0.2 --seed 0$blocks --out \$WORK/row-varying.h5
sparsim trace synth --shape llama-7b --sparsity 0.5 --pattern column-varying --spread 0.4 --seed 0$blocks --out \$WORK/column-varying.h5"
}

table_accelerator_llama7b_compute() {
    document=docs/results/accelerator.md
    data=""
    for m in uniform row-varying column-varying; do data+=" llama7b-compute-$m.csv llama7b-compute-$m-quirks.csv"; done
    commands="$(llama7b_traces)
for m in uniform row-varying column-varying; do sparsim simulate --trace \$WORK/\$m.h5 --cycle-model compute --format csv --out \$OUT/llama7b-compute-\$m.csv; sparsim simulate --trace \$WORK/\$m.h5 --cycle-model compute --reference-quirks --format csv --out \$OUT/llama7b-compute-\$m-quirks.csv; done"
    description="compute model on synthetic 32-block LLaMA-7B masks (uniform, row- and column-varying), with and without the reference's quirks"
    duration="12 minutes"
}

# Hardware configs with ViTCoD's four buffers scaled by 2 and 4, and the N:M datapath.
hardware_configs='for x in 2 4; do echo "{\"weightBufferKiB\": $((53*x)), \"inputBufferKiB\": $((53*x)), \"indexBufferKiB\": $((20*x)), \"outputBufferKiB\": $((108*x))}" > $WORK/buffers-x$x.json; echo "{\"nmDatapath\": true, \"weightBufferKiB\": $((53*x)), \"inputBufferKiB\": $((53*x)), \"indexBufferKiB\": $((20*x)), \"outputBufferKiB\": $((108*x))}" > $WORK/nm-x$x.json; done; echo "{\"nmDatapath\": true}" > $WORK/nm-x1.json'

table_accelerator_llama7b_full() {
    document=docs/results/accelerator.md
    data=""
    for m in uniform row-varying column-varying 2of4; do for t in 1 2048; do data+=" llama7b-full-$m-$t.csv llama7b-full-$m-$t-fixed.csv"; done; done
    data+=" llama7b-full-2of4-2048-nm-x1.csv llama7b-full-2of4-2048-nm-x2.csv llama7b-full-2of4-2048-nm-x4.csv llama7b-full-uniform-2048-x2.csv llama7b-full-uniform-2048-x4.csv"
    commands="$(llama7b_traces 4)
sparsim trace synth --shape llama-7b --pattern 2:4 --seed 0 --blocks 4 --out \$WORK/2of4.h5
$hardware_configs
for m in uniform row-varying column-varying 2of4; do for t in 1 2048; do sparsim simulate --trace \$WORK/\$m.h5 --tokens \$t --format csv --out \$OUT/llama7b-full-\$m-\$t.csv; sparsim simulate --trace \$WORK/\$m.h5 --tokens \$t --mapper fixed --format csv --out \$OUT/llama7b-full-\$m-\$t-fixed.csv; done; done
for x in 1 2 4; do sparsim simulate --trace \$WORK/2of4.h5 --tokens 2048 --hw \$WORK/nm-x\$x.json --format csv --out \$OUT/llama7b-full-2of4-2048-nm-x\$x.csv; done
for x in 2 4; do sparsim simulate --trace \$WORK/uniform.h5 --tokens 2048 --hw \$WORK/buffers-x\$x.json --format csv --out \$OUT/llama7b-full-uniform-2048-x\$x.csv; done"
    description="full model (tiles, buffers, DRAM) on 4 blocks of synthetic LLaMA-7B masks: decode and prefill, mapper and fixed mapping, the N:M datapath, larger buffers"
    duration="5 minutes"
}

table_accelerator_buffers() {
    document=docs/results/accelerator.md
    data="buffers-x1.csv buffers-x2.csv buffers-x4.csv buffers-x1-fixed.csv buffers-x2-fixed.csv buffers-x4-fixed.csv buffers-llama7b-x1.csv buffers-llama7b-x2.csv buffers-llama7b-x4.csv"
    commands="sparsim trace synth --shape llama-7b --sparsity 0.5 --pattern uniform --seed 0 --blocks 4 --out \$WORK/uniform.h5
$hardware_configs; echo '{}' > \$WORK/buffers-x1.json
for x in 1 2 4; do sparsim simulate --tokens 2048 --hw \$WORK/buffers-x\$x.json --format csv --out \$OUT/buffers-x\$x.csv; sparsim simulate --tokens 2048 --mapper fixed --hw \$WORK/buffers-x\$x.json --format csv --out \$OUT/buffers-x\$x-fixed.csv; sparsim simulate --trace \$WORK/uniform.h5 --tokens 2048 --hw \$WORK/buffers-x\$x.json --format csv --out \$OUT/buffers-llama7b-x\$x.csv; done"
    description="prefill speedup of the default trace and of LLaMA-7B uniform 50% with ViTCoD's buffers, twice and four times as large"
    duration="4 minutes"
}

smollm2="data/SmolLM2-135M-Instruct.Q4_1.gguf"
# The SmolLM2 protocol: 32 × 512 calibration windows seed 0 from the five other novels, the first
# 16 × 512 tokens of Persuasion for perplexity; pruned at 50%, masks only.
smollm2_calibration="--samples 32 --seqlen 512 --seed 0 --eval data/text/austen_persuasion.txt --eval-seqlen 512 --eval-windows 16"
smollm2_protocol="$smollm2_calibration --sparsity 0.5 --masks-only"

table_smollm2_pruning() {
    document=docs/results/smollm2.md
    data="smollm2-pruning.csv smollm2-pruning.json"
    commands="M=$smollm2; P=\"$smollm2_protocol\"
for p in unstructured 2:4 4:8; do for m in magnitude wanda sparsegpt; do sparsim prune --model \$M --method \$m --pattern \$p \$P --out \$WORK/\$m-\${p/:/of}.h5; done; done
for g in layer row; do for u in none lstsq; do sparsim prune --model \$M --method besa --granularity \$g --update-weights \$u \$P --out \$WORK/besa-\$g-\$u.h5; done; done
sparsim table --cycle-model compute --traces \$WORK/*.h5 --out \$OUT/smollm2-pruning.csv"
    description="SmolLM2 perplexity after 50% / 2:4 / 4:8 pruning by every method (32 x 512 calibration windows, 16 x 512 evaluation)"
    duration="25 minutes"
}

qwen="data/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"
reference="python3 Tests/PrunerTests/Support/reference_transformers.py"

table_smollm2_dense() {
    document=docs/results/smollm2.md
    data="smollm2-dense-512.txt smollm2-dense-512-transformers.txt smollm2-dense-2048.txt smollm2-dense-2048-transformers.txt"
    commands="for s in 512:16 2048:8; do n=\${s%:*}; w=\${s#*:}; sparsim eval --model $smollm2 --data data/text/austen_persuasion.txt --seqlen \$n --max-windows \$w > \$OUT/smollm2-dense-\$n.txt; $reference $smollm2 ppl data/text/austen_persuasion.txt \$n \$w > \$OUT/smollm2-dense-\$n-transformers.txt; done"
    description="SmolLM2's dense perplexity on Persuasion against transformers' on the same GGUF and windows"
    duration="3 minutes"
}

table_qwen_dense() {
    document=docs/results/qwen2.5-coder-0.5b.md
    data="qwen-dense-512.txt qwen-dense-512-transformers.txt smollm2-dense-512.txt smollm2-dense-512-transformers.txt"
    commands="for m in qwen:$qwen smollm2:$smollm2; do short=\${m%%:*}; file=\${m#*:}; sparsim eval --model \$file --data data/text/austen_persuasion.txt --seqlen 512 --max-windows 16 > \$OUT/\$short-dense-512.txt; $reference \$file ppl data/text/austen_persuasion.txt 512 16 > \$OUT/\$short-dense-512-transformers.txt; done"
    description="Qwen2.5-Coder-0.5B's and SmolLM2's dense perplexity against transformers' (float64 cross-entropy and its own fp32 loss)"
    duration="5 minutes"
}

table_smollm2_calibration() {
    document=docs/results/smollm2.md
    data="smollm2-calibration.csv smollm2-calibration.json"
    uses="smollm2-pruning"
    commands="M=$smollm2; P=\"--samples 128 --seqlen 2048 --seed 0 --sparsity 0.5 --eval data/text/austen_persuasion.txt --eval-seqlen 512 --eval-windows 16 --masks-only\"
for m in wanda sparsegpt; do sparsim prune --model \$M --method \$m \$P --out \$WORK/\$m.h5; done
for g in row layer; do sparsim prune --model \$M --method besa --granularity \$g --update-weights none \$P --out \$WORK/besa-\$g.h5; done
sparsim table --cycle-model compute --traces \$WORK/*.h5 --out \$OUT/smollm2-calibration.csv"
    description="SmolLM2 at 50% with the paper's calibration, 128 windows x 2048 tokens, against 32 x 512: perplexity, time, memory"
    duration="2 hours"
}

table_smollm2_zeroshot() {
    document=docs/results/smollm2.md
    data="zeroshot-dense.txt zeroshot-dense-cloze.json zeroshot-dense-endings.json zeroshot.csv zeroshot.json"
    commands="M=$smollm2; P=\"$smollm2_protocol\"
for k in cloze endings; do sparsim task make --kind \$k --seed 0 --out \$WORK/\$k.jsonl; done
sparsim eval --model \$M --data data/text/austen_persuasion.txt --seqlen 512 --max-windows 16 > \$OUT/zeroshot-dense.txt
for k in cloze endings; do sparsim eval --model \$M --task \$WORK/\$k.jsonl --out \$OUT/zeroshot-dense-\$k.json > /dev/null; done
T=\"--eval-task \$WORK/cloze.jsonl --eval-task \$WORK/endings.jsonl\"
for m in magnitude wanda sparsegpt; do sparsim prune --model \$M --method \$m \$P \$T --out \$WORK/\$m.h5; done
for r in row:lstsq layer:lstsq row:none; do sparsim prune --model \$M --method besa --granularity \${r%:*} --update-weights \${r#*:} \$P \$T --out \$WORK/besa-\${r/:/-}.h5; done
sparsim table --cycle-model compute --traces \$WORK/*.h5 --out \$OUT/zeroshot.csv"
    description="SmolLM2 pruned at 50% on two zero-shot tasks made from Persuasion (73 cloze, 500 endings items), next to perplexity"
    duration="70 minutes"
}

table_besa_masks() {
    document=docs/results/besa.md
    data="besa-block-error.txt besa-allocation.txt"
    commands="M=$smollm2; P=\"$smollm2_protocol\"
sparsim prune --model \$M --method wanda \$P --out \$WORK/wanda.h5
for g in row layer; do sparsim prune --model \$M --method besa --granularity \$g --update-weights none \$P --out \$WORK/besa-\$g.h5; done
sparsim prune --model \$M --method sparsegpt $smollm2_calibration --sparsity 0.5 --out \$WORK/sparsegpt.h5
python3 scripts/block_error.py \$M data/text/austen_emma.txt 4 512 --masks-only-weights sparsegpt-mask wanda=\$WORK/wanda.h5 besa-layer=\$WORK/besa-layer.h5 besa-row=\$WORK/besa-row.h5 sparsegpt-mask=\$WORK/sparsegpt.h5 sparsegpt=\$WORK/sparsegpt.h5 > \$OUT/besa-block-error.txt
sparsim compare \$WORK/wanda.h5 \$WORK/besa-row.h5 \$WORK/besa-layer.h5 \$WORK/sparsegpt.h5 > \$OUT/besa-allocation.txt"
    description="what BESA's masks alone do (no weight update): each block's reconstruction error on dense inputs and the sparsity learned per projection and row"
    duration="35 minutes"
}

table_besa_updates() {
    document=docs/results/besa.md
    data="besa-updates.csv besa-updates.json"
    uses="smollm2-pruning"
    commands="M=$smollm2; P=\"$smollm2_protocol\"
for u in sparsegpt reprune; do sparsim prune --model \$M --method besa --granularity row --update-weights \$u \$P --out \$WORK/besa-row-\$u.h5; done
for m in wanda:lstsq sparsegpt:lstsq wanda:reprune; do sparsim prune --model \$M --method \${m%:*} --update-weights \${m#*:} \$P --out \$WORK/\${m/:/-}.h5; done
sparsim table --cycle-model compute --traces \$WORK/*.h5 --out \$OUT/besa-updates.csv"
    description="BESA's masks with each weight update, and the same updates on Wanda's and SparseGPT's masks (the other rows: smollm2-pruning)"
    duration="40 minutes"
}

# The paper's Appendix A on SmolLM2: each run NAME:SETTING changes one setting of the default BESA
# (a later option wins over the protocol's; _ stands for a space).
besa_ablations="default: samples-16:--samples_16 samples-64:--samples_64 samples-128:--samples_128 epochs-2:--epochs_2 importance-magnitude:--importance_magnitude importance-obs:--importance_obs softmax:--parameterization_softmax candidates-21:--candidates_21"

table_besa_ablations() {
    document=docs/results/besa.md
    data=""
    for run in $besa_ablations; do data+=" besa-ablation-${run%%:*}.txt"; done
    commands="M=$smollm2
for run in $besa_ablations; do ablation=\${run%%:*}; setting=\${run#*:}; sparsim prune --model \$M --method besa --granularity row $smollm2_protocol \${setting//_/ } --out \$WORK/\$ablation.h5; sparsim compare \$WORK/\$ablation.h5 > \$OUT/besa-ablation-\$ablation.txt; done"
    description="BESA ablations (the paper's Appendix A): calibration size, epochs, importance, parameterization, candidates, one change each to the default BESA"
    duration="2 hours"
}

table_quantization() {
    document=docs/results/quantization.md
    data="quantization.csv quantization.json"
    uses="smollm2-dense"
    commands="M=$smollm2; C=\"$smollm2_calibration\"
sparsim prune --model \$M \$C --method rtn --wbits 4 --out \$WORK/rtn4.h5
sparsim prune --model \$M \$C --method wanda --sparsity 0.5 --wbits 4 --out \$WORK/wanda-rtn4.h5
sparsim prune --model \$M \$C --method besa --sparsity 0.5 --update-weights none --wbits 4 --quantization rtn --out \$WORK/besa-rtn4.h5
sparsim prune --model \$M \$C --method besa --sparsity 0.5 --wbits 4 --quantization joint --out \$WORK/besa-joint4.h5
sparsim table --traces traces/smollm2-besa-row-50.h5 \$WORK/*.h5 --tokens 1 --out \$OUT/quantization.csv"
    description="SmolLM2 with 4-bit weights: round to nearest, after Wanda or BESA, or learned jointly with BESA's masks; perplexity and decode speedup"
    duration="35 minutes"
}

table_qwen_pruning() {
    document=docs/results/qwen2.5-coder-0.5b.md
    data="qwen-table4.csv qwen-table4.json qwen-table4.svg qwen-table4-decode.csv qwen-table4-decode.json"
    uses="qwen-dense smollm2-pruning"
    commands="M=$qwen; P=\"$smollm2_protocol\"
for p in unstructured 2:4; do for m in magnitude wanda sparsegpt; do sparsim prune --model \$M --method \$m --pattern \$p \$P --out \$WORK/\$m-\${p/:/of}.h5; done; done
for g in row layer; do sparsim prune --model \$M --method besa --granularity \$g --update-weights none \$P --out \$WORK/besa-\$g.h5; done
sparsim table --traces \$WORK/*.h5 --out \$OUT/qwen-table4.csv --plot \$OUT/qwen-table4.svg
sparsim table --traces \$WORK/*.h5 --cycle-model full --tokens 1 --out \$OUT/qwen-table4-decode.csv"
    description="Qwen2.5-Coder-0.5B pruned at 50% / 2:4 by every method with SmolLM2's protocol: perplexity, time, memory, speedups"
    duration="90 minutes"
}

table_qwen_quantization() {
    document=docs/results/qwen2.5-coder-0.5b.md
    data="qwen-quantization.csv qwen-quantization.json"
    uses="qwen-pruning quantization"
    commands="M=$qwen; C=\"$smollm2_calibration\"
sparsim prune --model \$M \$C --method rtn --wbits 4 --out \$WORK/rtn4.h5
sparsim prune --model \$M \$C --method besa --sparsity 0.5 --wbits 4 --quantization joint --out \$WORK/besa-joint4.h5
sparsim table --traces \$WORK/*.h5 --cycle-model full --tokens 1 --out \$OUT/qwen-quantization.csv"
    description="Qwen2.5-Coder-0.5B with 4-bit weights, alone and learned jointly with BESA row's masks, against its 16-bit BESA row"
    duration="35 minutes"
}

# Speed: timings, so a rerun gives other numbers (the machine, its load); the tables say when and where.
table_speed_forward() {
    document=docs/results/speed.md
    data="bench-forward.txt"
    commands="sparsim bench forward --windows 3 > \$OUT/bench-forward.txt"
    description="forward-pass speed at 512 and 2048 tokens against the machine's sgemm peak (a timing: reruns differ)"
    duration="3 minutes"
}

table_speed_torch() {
    document=docs/results/speed.md
    data="bench-vs-torch.txt"
    commands="ROUNDS=3 bash scripts/bench-vs-torch.sh > \$OUT/bench-vs-torch.txt"
    description="sparsim against PyTorch + transformers on this CPU: dense perplexity and Wanda/SparseGPT pruning (a timing: reruns differ)"
    duration="10 minutes"
}

table_speed_prune() {
    document=docs/results/speed.md
    data="bench-prune.txt"
    commands="sparsim bench prune --samples 32 --seqlen 512 > \$OUT/bench-prune.txt"
    description="each method's pruning time against one forward pass over the same calibration windows (a timing: reruns differ)"
    duration="8 minutes"
}

table_accelerator_speed() {
    document=docs/results/accelerator.md
    data="bench-simulate.txt"
    commands="sparsim bench simulate > \$OUT/bench-simulate.txt"
    description="the simulator's own speed on 224 synthetic LLaMA-7B layers, each cycle model and mapping (a timing: reruns differ)"
    duration="2 minutes"
}

names=(accelerator-table4 accelerator-engines accelerator-llama7b-compute accelerator-llama7b-full accelerator-buffers accelerator-speed smollm2-dense smollm2-pruning smollm2-calibration smollm2-zeroshot qwen-dense qwen-pruning qwen-quantization besa-masks besa-updates besa-ablations quantization speed-forward speed-torch speed-prune)

describe() {
    uses=""
    declare -F "table_${1//-/_}" > /dev/null || { echo "reproduce.sh: unknown table '$1' (see --list)" >&2; exit 2; }
    "table_${1//-/_}"
}

# require_data NAME WHAT: fail unless NAME's data files are in its document's folder.
require_data() {
    local file
    for file in $(describe "$1"; for f in $data; do echo "$(dirname "$document")/$f"; done); do
        [[ -f "$file" ]] || { echo "reproduce.sh: $2 $file; run 'bash scripts/reproduce.sh $1' first" >&2; exit 1; }
    done
}

# The run itself is one function, called on the last line: bash has then read the whole file, so
# editing the script while a table runs (hours, for some) cannot change what the run executes.
main() {
    if [[ "${1:-}" == "--list" ]]; then
        for name in "${names[@]}"; do
            describe "$name"
            echo "$name: $description"
            echo "    table in $document; data: $data; about $duration${uses:+; also reads the data of $uses}"
        done
        exit 0
    fi
    check=0 render=0
    if [[ "${1:-}" == "--check" ]]; then check=1; shift; elif [[ "${1:-}" == "--render" ]]; then render=1; shift; fi
    [[ $# == 1 ]] || { echo "usage: bash scripts/reproduce.sh --list | [--check | --render] NAME" >&2; exit 2; }
    name=$1
    describe "$name"
    results=$(dirname "$document")
    # A table may also show rows of another table's runs: their data must be there first.
    for other in $uses; do require_data "$other" "$name reads"; done
    (( render )) && require_data "$name" "--render draws from"
    describe "$name"
    # The commands as the table's stamp shows them: the folders by their meaning, not this run's names.
    commands_file=$(mktemp)
    trap 'rm -f "$commands_file"' EXIT
    printf '%s\n' "$commands" | sed -e 's|\$OUT|docs/results|g' -e 's|\$WORK|/tmp/work|g' > "$commands_file"
    if (( render )); then
        # Only the table, from the data files already there (e.g. after changing how it is drawn).
        python3 scripts/reproduce_tables.py --keep-stamp "$name" "$document" "$commands_file"
        exit 0
    fi

    if [[ -z "${SPARSIM:-}" ]]; then
        swift build -c release --product sparsim >&2
        SPARSIM="$(swift build -c release --show-bin-path)/sparsim"
    fi
    export SPARSIM  # for the scripts a table runs
    if (( check )); then
        scratch=$(mktemp -d)
        cp -r "$results" "$scratch/results"
        cp "$document" "$scratch/results/"
        OUT="$scratch/results"
    else
        OUT="$results"
    fi
    WORK=$(mktemp -d)
    trap 'rm -rf "$commands_file" "$WORK"; [[ -n "${scratch:-}" ]] && rm -rf "$scratch"' EXIT
    # The commands run in this shell: they must not reassign what the script still needs.
    readonly name document data OUT WORK results commands_file check
    # Run the commands with sparsim being $SPARSIM and $OUT the output folder.
    sparsim() { "$SPARSIM" "$@"; }
    export -f sparsim 2>/dev/null || true
    while IFS= read -r line; do
        echo "+ $line" >&2
        eval "$line"
    done <<< "$commands"
    python3 scripts/reproduce_tables.py "$name" "$OUT/$(basename "$document")" "$commands_file" >&2
    if (( check )); then
        status=0
        for file in $data; do
            case "$file" in
                *.json|*.svg) continue ;;  # the sidecars record the run's own paths; the plot is drawn from the CSV
            esac
            if ! cmp -s "$results/$file" "$OUT/$file"; then echo "reproduce.sh: $file differs from the committed one" >&2; status=1; fi
        done
        (( status == 0 )) && echo "$name: every data file reproduced exactly"
        exit $status
    fi
}

main "$@"; exit
