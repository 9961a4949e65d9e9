#!/usr/bin/env bash
# The README's test command: installs what the test suite needs, then runs all of it with nothing
# skipped.
#
#   bash scripts/test.sh [swift test options, e.g. --filter PruneCLITests]
#   bash scripts/test.sh --quick [swift test options]
#
# --quick: the tests that need no real model, Python, h5dump or Chromium (SPARSIM_QUICK=1 makes the
# others skip, whatever is installed); installs only the two system libraries; a few minutes.
#
# On a fresh Debian machine (as root, or with sudo) it installs, each step only when missing: the
# system packages (OpenBLAS and HDF5 to build; hdf5-tools' h5dump and headless chromium for the
# format and plot checks), the Python packages the reference checks run (h5py, NumPy, torch 2.13
# CPU, transformers, gguf, accelerate, prodigyopt, lm-eval), and the real models and texts
# (scripts/fetch-data.sh, scripts/fetch-qwen.sh). Then `swift test` with SPARSIM_REQUIRE_ALL=1, so
# a test whose tool or data is missing fails instead of skipping. A plain `swift test` skips those
# tests and says why.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
if [[ "${1:-}" == "--quick" ]]; then quick=1; shift; fi

packages=(libopenblas-dev libhdf5-dev hdf5-tools chromium)
(( quick )) && packages=(libopenblas-dev libhdf5-dev)
missing=()
for package in "${packages[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if (( ${#missing[@]} )); then
    sudo=""
    [[ $(id -u) == 0 ]] || sudo=sudo
    echo "installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if (( quick )); then
    SPARSIM_QUICK=1 exec swift test "$@"
fi
if ! python3 -c "import h5py, numpy, torch, transformers, gguf, accelerate, prodigyopt, lm_eval" 2>/dev/null; then
    echo "installing the Python packages of the reference checks"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        h5py numpy torch==2.13.0 transformers gguf accelerate prodigyopt lm-eval==0.4.13
fi
bash scripts/fetch-data.sh
bash scripts/fetch-qwen.sh
SPARSIM_REQUIRE_ALL=1 swift test "$@"
