#!/usr/bin/env bash
# The AutoGen 0.7.5 comparison environments, for the tests that run AutoGen itself beside
# retinue (wire compatibility, real AutoGen programs) and for the benchmarks:
#   bench/.envs/autogen       what bench/compare.py installs (its AUTOGEN_REQUIREMENTS)
#   bench/.envs/autogen-grpc  autogen-ext[grpc]==0.7.5, for the gRPC wire tests
# Idempotent: quick when the environments are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
python3 -c 'import sys; sys.path.insert(0, "bench"); import compare; compare.autogen_python()'
env_dir=bench/.envs/autogen-grpc
if "$env_dir/bin/python" -c "import autogen_ext.runtimes.grpc" 2>/dev/null; then
    exit 0
fi
uv venv --quiet "$env_dir" --python "${AUTOGEN_PYTHON:-python3}"
uv pip install --quiet --python "$env_dir/bin/python" "autogen-ext[grpc]==0.7.5"
