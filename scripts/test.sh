#!/usr/bin/env bash
# The whole test suite: lint, type check, docs build, every distribution's tests, and
# the compatibility matrix's corners (oldest Python + minimum kernel, newest Python).
# Needs only Python with pip; everything else is installed into the workspace's .venv
# and into throwaway environments.
set -euo pipefail
cd "$(dirname "$0")/.."

export UV_PYTHON_DOWNLOADS=never   # use the machine's Pythons, never download one
export UV_LINK_MODE=copy

command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
uv sync --all-packages --group dev --quiet

# Every Python 3.10-3.13 the machine has (pyenv's, uv-managed, PATH), linked as
# python3.X into one folder put first on PATH, so the tests and nox find them all.
# The same code finds them for `nox -s matrix` (scripts/pythons.py).
PATH="$(uv run --no-sync python scripts/pythons.py --link-dir .nox/pythons):$PATH"
export PATH

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
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

# Each distribution installed alone into fresh environments at the matrix's corners
# (the full matrix: uv run nox -s matrix).
if uv run --no-sync nox -s ci >"$logs/nox.log" 2>&1; then
  grep -E "^nox > (Session|Ran multiple)" "$logs/nox.log" | tail -n 20
  echo "compatibility corners: ok"
else
  echo "---- compatibility corners failed ----"
  tail -n 80 "$logs/nox.log"
  status=1
fi
exit "$status"
