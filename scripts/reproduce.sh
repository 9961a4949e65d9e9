#!/usr/bin/env bash
# Regenerates a results table of docs/results/ from scratch: reruns its commands, rewrites its data
# files and the table in its document (stamped with date, commit, machine and the commands).
#
#   bash scripts/reproduce.sh --list           the tables it knows, with their document and data
#   bash scripts/reproduce.sh NAME             rerun NAME's commands and rewrite its table
#   bash scripts/reproduce.sh --check NAME     the same in a scratch copy of docs/results; fails
#                                              when a regenerated data file differs from the committed one
#
# SPARSIM (default: the release build, built first) is the sparsim command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

traces="traces/smollm2-besa-row-50.h5 traces/smollm2-wanda-50.h5 traces/smollm2-sparsegpt-50.h5 traces/smollm2-wanda-2of4.h5 traces/smollm2-sparsegpt-2of4.h5"

# name | document | data files (in the document's folder) | commands, one per line, $OUT the folder
table_accelerator_table4() {
    document=docs/results/accelerator.md
    data="table4.csv table4.json table4.svg table4-decode.csv table4-decode.json table4-fixed.csv table4-fixed.json table4-decode-fixed.csv table4-decode-fixed.json"
    commands="T=\"$traces\"
sparsim table --traces \$T --out \$OUT/table4.csv --plot \$OUT/table4.svg
sparsim table --traces \$T --tokens 1 --out \$OUT/table4-decode.csv
sparsim table --traces \$T --mapper fixed --out \$OUT/table4-fixed.csv
sparsim table --traces \$T --mapper fixed --tokens 1 --out \$OUT/table4-decode-fixed.csv"
    description="whole-model speedups of the five shipped traces: compute model, decode and prefill under the mapper and the fixed mapping"
}

names=(accelerator-table4)

describe() { "table_${1//-/_}" 2>/dev/null || { echo "reproduce.sh: unknown table '$1' (see --list)" >&2; exit 2; }; }

if [[ "${1:-}" == "--list" ]]; then
    for name in "${names[@]}"; do
        describe "$name"
        echo "$name: $description"
        echo "    table in $document; data: $data"
    done
    exit 0
fi
check=0
if [[ "${1:-}" == "--check" ]]; then check=1; shift; fi
[[ $# == 1 ]] || { echo "usage: bash scripts/reproduce.sh --list | [--check] NAME" >&2; exit 2; }
name=$1
describe "$name"

if [[ -z "${SPARSIM:-}" ]]; then
    swift build -c release --product sparsim >&2
    SPARSIM="$(swift build -c release --show-bin-path)/sparsim"
fi
results=$(dirname "$document")
if (( check )); then
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    cp -r "$results" "$scratch/results"
    cp "$document" "$scratch/results/"
    OUT="$scratch/results"
else
    OUT="$results"
fi
commands_file=$(mktemp)
trap 'rm -f "$commands_file"; [[ -n "${scratch:-}" ]] && rm -rf "$scratch"' EXIT
printf '%s\n' "$commands" | sed 's|\$OUT|docs/results|g' > "$commands_file"
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
