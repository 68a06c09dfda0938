#!/usr/bin/env bash
# The whole test suite: lint, type check, docs build and every distribution's tests.
# Needs only Python with pip; everything else is installed into the workspace's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

export UV_PYTHON_DOWNLOADS=never   # use the machine's Pythons, never download one
export UV_LINK_MODE=copy

command -v uv >/dev/null 2>&1 || python -m pip install --quiet uv
uv sync --all-packages --quiet

logs=$(mktemp -d)
status=0

# Static checks run in the background while pytest uses the cores.
( uv run --no-sync ruff check . && uv run --no-sync ruff format --check . ) >"$logs/ruff.log" 2>&1 &
ruff_pid=$!
uv run --no-sync mypy >"$logs/mypy.log" 2>&1 &
mypy_pid=$!

uv run --no-sync pytest -n "${RETINUE_TEST_WORKERS:-auto}" --dist loadfile -q "$@" || status=$?

for check in ruff mypy; do
  pid_var="${check}_pid"
  if wait "${!pid_var}"; then
    echo "$check: ok"
  else
    echo "---- $check failed ----"
    cat "$logs/$check.log"
    status=1
  fi
done
rm -rf "$logs"
exit "$status"
