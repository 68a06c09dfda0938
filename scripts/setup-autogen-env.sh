#!/usr/bin/env bash
# The AutoGen comparison environment: autogen-ext[grpc]==0.7.5 in its own venv under
# bench/.envs/autogen-grpc, for the gRPC wire-compatibility tests and benchmarks.
# Idempotent: quick when the environment is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
env_dir=bench/.envs/autogen-grpc
if "$env_dir/bin/python" -c "import autogen_ext.runtimes.grpc" 2>/dev/null; then
    exit 0
fi
uv venv --quiet "$env_dir" --python "${AUTOGEN_PYTHON:-python3}"
uv pip install --quiet --python "$env_dir/bin/python" "autogen-ext[grpc]==0.7.5"
