#!/usr/bin/env bash
# Mutation testing of one module group; see scripts/mutation.py and docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
exec uv run --no-sync python scripts/mutation.py "$@"
