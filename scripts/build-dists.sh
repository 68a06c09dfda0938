#!/usr/bin/env bash
# Build a wheel and an sdist of every distribution in the workspace (the kernel,
# plugins/* and contrib/*) into dist/ (or the folder given as the first argument).
# Install from there without PyPI:  pip install --find-links dist retinue-openai
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
rm -rf "$out"
uv build --all-packages --quiet --out-dir "$out"
ls "$out"
