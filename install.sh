#!/usr/bin/env bash
# Sets up ./.venv with the CPU build of torch and explore (editable). Usage:
#   bash install.sh         # the product
#   bash install.sh test    # the product + test tools
# TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu picks the CPU wheel on machines
# where plain PyPI would hand out a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv || { echo "install.sh: could not create .venv with $python (is python3-venv installed?)" >&2; exit 1; }
fi
pip=(.venv/bin/python -m pip install --disable-pip-version-check -q)
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  "${pip[@]}" "torch==2.13.0" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
fi
extras=""
[ "${1:-}" = "test" ] && extras="[test]"
"${pip[@]}" -e ".${extras}"
.venv/bin/explore --version
