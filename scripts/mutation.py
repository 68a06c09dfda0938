"""Mutation testing of one module group, offline, with a survivors report.

    bash scripts/mutation.sh runtime        # or: conditions, manager, local, openai, anthropic
    bash scripts/mutation.sh --list         # the targets and what each mutates

Each target copies its distribution's ``src/`` and tests into ``.mutation/<target>/``
(git-ignored), so mutmut never touches the working tree, then runs mutmut there over the
target's modules with the fastest test subset that exercises them. It writes
``.mutation/<target>/survivors.md``: the score, and each surviving mutant with its diff,
to be killed by a new test or explained as equivalent in ``docs/mutation.md``.

CPU-heavy: one mutant at a time by default (``--jobs N`` for more). Not part of CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"


@dataclass(frozen=True)
class Target:
    """What one run mutates and which tests judge the mutants."""

    dist: str  # the distribution's folder, relative to the repository root
    mutate: tuple[str, ...]  # globs under the copied src/, as mutmut's only_mutate
    tests: tuple[str, ...]  # test files under the copied tests/


TARGETS: dict[str, Target] = {
    "runtime": Target(
        "kernel",
        ("src/retinue/runtime/*",),
        (
            "tests/test_runtime_conformance_inprocess.py",
            "tests/test_runtime_inprocess_behaviour.py",
            "tests/test_runtime_stop_cancels.py",
            "tests/test_serialization_registry.py",
            "tests/test_testing_conformance.py",
        ),
    ),
    "conditions": Target(
        "plugins/agentchat",
        ("src/retinue_agentchat/conditions/*",),
        ("tests/test_conditions_behaviour.py", "tests/test_conditions_specs.py"),
    ),
    "manager": Target(
        "plugins/agentchat",
        ("src/retinue_agentchat/teams/_manager.py",),
        (
            "tests/test_teams_round_robin.py",
            "tests/test_teams_selector.py",
            "tests/test_teams_swarm.py",
            "tests/test_teams_graph_flow.py",
            "tests/test_teams_message_delivery.py",
            "tests/test_state_validation.py",
        ),
    ),
    "local": Target(
        "plugins/local",
        ("src/retinue_local/_executor.py", "src/retinue_local/_languages.py"),
        ("tests",),
    ),
    "openai": Target(
        "plugins/openai",
        ("src/retinue_openai/_messages.py", "src/retinue_openai/_errors.py"),
        (
            "tests/test_openai_create.py",
            "tests/test_openai_failures.py",
            "tests/test_openai_fidelity.py",
            "tests/test_openai_stream.py",
        ),
    ),
    "anthropic": Target(
        "plugins/anthropic",
        ("src/retinue_anthropic/_messages.py", "src/retinue_anthropic/_errors.py"),
        (
            "tests/test_anthropic_create.py",
            "tests/test_anthropic_failures.py",
            "tests/test_anthropic_thinking.py",
        ),
    ),
}


def _toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def prepare(name: str, target: Target) -> Path:
    """Lay out a fresh copy of the target's distribution with its mutmut configuration."""
    work = WORK / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    dist = ROOT / target.dist
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(dist / "src", work / "src", ignore=ignore)
    shutil.copytree(dist / "tests", work / "tests", ignore=ignore)
    # The tests' settings are the workspace's (asyncio mode, per-test timeout, the
    # shared plugin_fixtures helpers); mutmut adds the mutated src/ in front of sys.path.
    (work / "pyproject.toml").write_text(
        f"""[tool.mutmut]
source_paths = ["src/"]
only_mutate = {_toml_list(target.mutate)}
pytest_add_cli_args_test_selection = {_toml_list(target.tests)}
pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:xdist"]

[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
addopts = "--import-mode=importlib"
timeout = 300
pythonpath = [{json.dumps(str(ROOT / "kernel" / "tests"))}]
markers = ["slow: a test that takes more than a few seconds"]
""",
        encoding="utf-8",
    )
    return work


def _mutmut(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args],
        cwd=work,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )


def report(name: str, work: Path) -> Path:
    """Write survivors.md: the score and each surviving mutant's diff."""
    listing = _mutmut(work, "results", "--all", "true")
    status_by_mutant: dict[str, str] = {}
    for line in listing.stdout.splitlines():
        mutant, sep, status = line.strip().rpartition(": ")
        if sep and mutant:
            status_by_mutant[mutant] = status.strip()
    counts: dict[str, int] = {}
    for status in status_by_mutant.values():
        counts[status] = counts.get(status, 0) + 1
    # Timeouts count as killed: the mutant made a test hang and the hang was caught.
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    judged = killed + counts.get("survived", 0)
    score = 100.0 * killed / judged if judged else 0.0
    lines = [
        f"# Mutation survivors: {name}",
        "",
        f"Score: {killed}/{judged} killed ({score:.1f} %).",
        "",
        "Counts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        "",
    ]
    for mutant, status in sorted(status_by_mutant.items()):
        if status != "survived":
            continue
        diff = _mutmut(work, "show", mutant).stdout.strip()
        lines += [f"## {mutant}", "", "```diff", diff, "```", ""]
    out = work / "survivors.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"{name}: {score:.1f} % killed ({killed}/{judged}); survivors in {out}")
    return out


def main() -> int:
    """Run the chosen targets one after another."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="targets to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite survivors.md from the last run"
    )
    args = parser.parse_args()
    if args.list:
        for name, target in TARGETS.items():
            print(f"{name:<11} {target.dist}: {', '.join(target.mutate)}")
        return 0
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {unknown}; choose from {sorted(TARGETS)}")
    for name in args.targets or list(TARGETS):
        target = TARGETS[name]
        if args.report_only:
            report(name, WORK / name)
            continue
        work = prepare(name, target)
        print(f"{name}: mutating {', '.join(target.mutate)} in {target.dist}", flush=True)
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.jobs)],
            cwd=work,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            check=False,
        )
        if run.returncode != 0:
            print(f"{name}: mutmut exited with {run.returncode}", file=sys.stderr)
            return run.returncode
        report(name, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
