"""Run the benchmarks under retinue and AutoGen 0.7.5, side by side, and print ratio tables.

    python bench/compare.py                 # everything
    python bench/compare.py runtime_send    # only benchmarks whose name contains this
    nox -s bench                            # the same, through nox

retinue runs in the workspace environment (this interpreter).  AutoGen runs in its
own virtual environment (``bench/.envs/autogen``, created on first use with
``uv venv`` + ``uv pip install autogen-core==0.7.5 autogen-agentchat==0.7.5
opentelemetry-sdk``, never downloading a Python: ``UV_PYTHON_DOWNLOADS=never``).

A script takes part when it declares ``BENCH_FRAMEWORKS = (...)`` at module level
(``"asyncio"`` marks a framework-free limit, run once in the workspace environment),
optionally ``BENCH_VARIANTS = {"name": [extra args], ...}``, or when it is listed in
:data:`EXTRA_SCRIPTS`.  Every script prints JSON lines with ``bench``, ``framework``,
``value`` and ``unit``; results go to ``bench/results/<bench>.json``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
AUTOGEN_ENV = BENCH / ".envs" / "autogen"
AUTOGEN_REQUIREMENTS = (
    "autogen-core==0.7.5",
    "autogen-agentchat==0.7.5",
    # [docker]: the Docker code executor benchmark runs AutoGen's executor too.
    "autogen-ext[docker]==0.7.5",
    "opentelemetry-sdk",
)

EXTRA_SCRIPTS: dict[str, tuple[str, ...]] = {
    # Scripts that take --framework retinue|autogen without declaring BENCH_FRAMEWORKS.
    "agentchat_team_overhead.py": ("retinue", "autogen"),
    "agentchat_tool_overhead.py": ("retinue", "autogen"),
}
"""Script file name -> frameworks; append yours here or declare BENCH_FRAMEWORKS."""

# Units where a larger number is better; for every other unit smaller is better.
HIGHER_IS_BETTER = ("/s",)
# String fields that describe a record without identifying the measurement.
IGNORED_FIELDS = {"bench", "framework", "python", "value", "unit", "module"}

TARGETS = {
    "runtime_send": ("retinue/autogen", 15.0, "at least"),
    "runtime_send_inflight": ("retinue/autogen", 15.0, "at least"),
    "runtime_publish": ("retinue/autogen", 15.0, "at least"),
    "tracing_overhead": ("retinue slowdown", 1.15, "at most"),
    "grpc_send": ("retinue/autogen", 3.0, "at least"),
    "docker_executor": ("retinue/autogen", 2.0, "at least"),
    "import_time_first_contact": ("retinue/autogen", 5.0, "at least"),
}


def discover(selected: str | None) -> list[tuple[Path, tuple[str, ...], dict[str, list[str]]]]:
    found = []
    for path in sorted(BENCH.glob("*.py")):
        if path.name.startswith("_") or path.name == "compare.py":
            continue
        declared = _module_constants(path)
        frameworks = declared.get("BENCH_FRAMEWORKS") or EXTRA_SCRIPTS.get(path.name)
        if not frameworks:
            continue
        variants = declared.get("BENCH_VARIANTS") or {path.stem: []}
        variants = {
            name: args for name, args in variants.items() if not selected or selected in name
        }
        if variants:
            found.append((path, tuple(frameworks), variants))
    return found


def _module_constants(path: Path) -> dict[str, Any]:
    """``BENCH_*`` constants of a script, read without importing it (imports need a framework)."""
    constants: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.startswith("BENCH_"):
                constants[target.id] = ast.literal_eval(node.value)
    return constants


def autogen_python() -> Path:
    python = AUTOGEN_ENV / "bin" / "python"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    if not python.exists():
        base = Path(sys.base_prefix) / "bin" / "python3"
        print(f"creating the AutoGen environment in {AUTOGEN_ENV} ...", file=sys.stderr)
        subprocess.run(["uv", "venv", "--python", str(base), str(AUTOGEN_ENV)], check=True, env=env)
    # Quick when already satisfied; keeps an older environment up to date.
    subprocess.run(
        ["uv", "pip", "install", "--python", str(python), *AUTOGEN_REQUIREMENTS],
        check=True,
        env=env,
    )
    return python


def run_script(
    python: Path | str, path: Path, framework: str, args: list[str]
) -> list[dict[str, Any]]:
    command = [str(python), str(path), *args]
    if framework != "asyncio":
        command += ["--framework", framework]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=BENCH.parent)
    if completed.returncode != 0:
        print(f"{path.name} ({framework}) failed:\n{completed.stderr}", file=sys.stderr)
        return []
    records = []
    for line in completed.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def best_of(kept: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per measurement, the better of the record kept so far and the new one."""
    best = {measurement_key(record): record for record in kept}
    for record in new:
        key = measurement_key(record)
        if key not in best or _better(record, best[key]):
            best[key] = record
    return list(best.values())


def _better(record: dict[str, Any], than: dict[str, Any]) -> bool:
    value, unit = value_of(record)
    other, _ = value_of(than)
    return value > other if unit.endswith(HIGHER_IS_BETTER) else value < other


def measurement_key(record: dict[str, Any]) -> tuple[Any, ...]:
    extras = tuple(
        sorted(
            (key, value)
            for key, value in record.items()
            if key not in IGNORED_FIELDS and isinstance(value, str)
        )
    )
    return (record["bench"], *extras)


def value_of(record: dict[str, Any]) -> tuple[float, str]:
    if "value" in record:
        return float(record["value"]), str(record.get("unit", ""))
    numeric = [(k, v) for k, v in record.items() if isinstance(v, (int, float)) and k != "calls"]
    key, value = numeric[-1]
    return float(value), key


def ratio(retinue: float, autogen: float, unit: str) -> float:
    if unit.endswith(HIGHER_IS_BETTER):
        return retinue / autogen
    return autogen / retinue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="?", help="run benchmarks whose name contains this")
    parser.add_argument("--no-autogen", action="store_true", help="run retinue only")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="run every script this many times, frameworks alternating, and keep each "
        "measurement's best (a shared machine's noise comes in bursts)",
    )
    args = parser.parse_args()

    scripts = discover(args.only)
    autogen = None if args.no_autogen else autogen_python()
    RESULTS.mkdir(exist_ok=True)
    rows: list[tuple[str, str, float, float | None, float | None]] = []
    baseline: dict[str, Any] | None = None
    for path, frameworks, variants in scripts:
        for name, extra_args in variants.items():
            results: dict[str, list[dict[str, Any]]] = {}
            for round_number in range(1, args.rounds + 1):
                for framework in frameworks:
                    if framework == "autogen":
                        if autogen is None:
                            continue
                        python: Path | str = autogen
                    else:
                        python = sys.executable
                    print(
                        f"running {name} ({framework}, round {round_number}) ...", file=sys.stderr
                    )
                    records = run_script(python, path, framework, extra_args)
                    results[framework] = best_of(results.get(framework, []), records)
            (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
            if results.get("asyncio"):
                baseline = results["asyncio"][0]
            autogen_by_key = {measurement_key(r): r for r in results.get("autogen", [])}
            for record in results.get("retinue", []):
                value, unit = value_of(record)
                other = autogen_by_key.get(measurement_key(record))
                other_value = value_of(other)[0] if other else None
                label = " ".join(str(part) for part in measurement_key(record)[0:1]) + "".join(
                    f" {k}={v}" for k, v in measurement_key(record)[1:]
                )
                rows.append(
                    (
                        label,
                        unit,
                        value,
                        other_value,
                        ratio(value, other_value, unit) if other_value else None,
                    )
                )
    print_table(rows)
    if baseline is not None:
        print_limit(rows, baseline)


def _table_row(cells: tuple[str, str, str, str, str]) -> str:
    label, unit, value, other, advantage = cells
    return f"| {label:<44} | {unit:<16} | {value:>12} | {other:>13} | {advantage:>17} |"


def print_table(rows: list[tuple[str, str, float, float | None, float | None]]) -> None:
    print()
    print(_table_row(("benchmark", "unit", "retinue", "AutoGen 0.7.5", "retinue advantage")))
    print(f"|{'-' * 46}|{'-' * 18}|{'-' * 14}|{'-' * 15}|{'-' * 19}|")
    for label, unit, value, other, advantage in rows:
        other_text = f"{other:,.3f}" if other is not None else "-"
        advantage_text = f"{advantage:.2f}x" if advantage is not None else "-"
        print(_table_row((label, unit, f"{value:,.3f}", other_text, advantage_text)))
    print()
    for bench, (what, target, direction) in TARGETS.items():
        for label, _unit, value, _other, advantage in rows:
            if label.split(" ")[0] != bench:
                continue
            measured = value if what.endswith("slowdown") else advantage
            if measured is None:
                continue
            met = measured >= target if direction == "at least" else measured <= target
            verdict = "met" if met else "MISSED"
            print(f"target {bench}: {what} {direction} {target} -> {measured:.2f} ({verdict})")


def print_limit(
    rows: list[tuple[str, str, float, float | None, float | None]], baseline: dict[str, Any]
) -> None:
    base = float(baseline["value"])
    for label, _unit, value, _other, _advantage in rows:
        if label.split(" ")[0] == "runtime_send":
            times = base / value
            verdict = "met" if times <= 3 else "MISSED"
            print(
                f"limit runtime_send: time per round trip = {times:.2f}x a bare asyncio "
                f"queue-and-future round trip ({base:,.0f}/s); at most 3x -> {verdict}"
            )


if __name__ == "__main__":
    main()
