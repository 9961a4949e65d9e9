#!/usr/bin/env bash
# Cross-check sparsim's engines against SCALE-Sim v3 (see scripts/crosscheck_scalesim.py).
# Installs scalesim==3.0.0 (which needs numpy < 2) in its own virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${SCALESIM_VENV:-.build/scalesim-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "scalesim==3.0.0" "numpy<2" h5py
fi
swift build -c release --product sparsim >/dev/null
"$venv/bin/python" scripts/crosscheck_scalesim.py "$(swift build -c release --show-bin-path)/sparsim" "${1:-.build/scalesim-crosscheck}"
