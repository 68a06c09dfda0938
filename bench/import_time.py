"""Cold import time in fresh interpreters: the runtime API, and a first program's imports.

    python bench/import_time.py                              # both frameworks, side by side
    python bench/import_time.py --framework retinue|autogen  # one framework (compare.py)
    python bench/import_time.py --case first_contact         # only one case

Cases (only the imports are timed, not interpreter start-up):

- ``first_contact``: the three names a first AutoGen program imports, ``AssistantAgent``,
  ``RoundRobinGroupChat`` and ``OpenAIChatCompletionClient`` (``retinue_agentchat`` and
  ``retinue_openai`` / ``autogen_agentchat`` and ``autogen_ext.models.openai``);
- ``runtime``: the agent runtime API (``import retinue.runtime`` / ``import autogen_core``);
- ``shared_floor``: what both frameworks import before any code of their own, the same
  statements in both environments (pydantic's ``BaseModel`` and ``Field``, ``asyncio``,
  ``logging``).  AutoGen's ``first_contact`` time over this one is the largest ratio a
  framework that imports them can reach.

Every sample is a fresh interpreter.  Both frameworks read compiled bytecode from one
private cache (``PYTHONPYCACHEPREFIX``) that a warm-up import fills first, which is what
an installed package has: a machine that keeps no bytecode (``PYTHONDONTWRITEBYTECODE``,
or an environment installed without compiling it) would otherwise time the compiler on
whichever side happens to lack its cache.  ``--bytecode as-is`` runs the children in
this process's environment and caches instead (how the issue's first numbers were
taken, on a machine with ``PYTHONDONTWRITEBYTECODE=1`` and an AutoGen environment
installed without bytecode).  ``--framework all`` alternates the two
frameworks sample by sample, so load on a shared machine hits both alike, and prints
the fastest and the median sample of each and the ratio of the fastest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

BENCH_FRAMEWORKS = ("retinue", "autogen")
BENCH_VARIANTS = {
    "import_time": ["--case", "runtime"],
    "import_time_first_contact": ["--case", "first_contact"],
    "import_time_shared_floor": ["--case", "shared_floor"],
}

IMPORTS = {
    "runtime": {
        "retinue": "import retinue.runtime",
        "autogen": "import autogen_core",
    },
    "first_contact": {
        "retinue": (
            "from retinue_agentchat.agents import AssistantAgent\n"
            "from retinue_agentchat.teams import RoundRobinGroupChat\n"
            "from retinue_openai import OpenAIChatCompletionClient"
        ),
        "autogen": (
            "from autogen_agentchat.agents import AssistantAgent\n"
            "from autogen_agentchat.teams import RoundRobinGroupChat\n"
            "from autogen_ext.models.openai import OpenAIChatCompletionClient"
        ),
    },
    "shared_floor": dict.fromkeys(
        ("retinue", "autogen"),
        "from pydantic import BaseModel, Field\nimport asyncio\nimport logging",
    ),
}
BENCH_NAMES = {
    "runtime": "import_time",
    "first_contact": "import_time_first_contact",
    "shared_floor": "import_time_shared_floor",
}
# AutoGen's time / retinue's time, fastest samples (issue 10: at most a fifth).
TARGETS = {"first_contact": 5.0}

CHILD = """\
import time
wall, cpu = time.perf_counter(), time.process_time()
{imports}
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def child_env(cache: str | None) -> dict[str, str]:
    """The children's environment: a private bytecode cache, or (``None``) this one's."""
    if cache is None:
        return dict(os.environ)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def sample(python: str, imports: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of ``imports`` in a fresh interpreter."""
    done = subprocess.run(
        [python, "-c", CHILD.format(imports=imports)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if done.returncode != 0:
        raise SystemExit(f"importing failed with {python}:\n{done.stderr[-3000:]}")
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def measure(
    pythons: dict[str, str], case: str, runs: int, cache: str | None
) -> dict[str, list[tuple[float, float]]]:
    """``runs`` samples per framework, frameworks alternating, after one warm-up each."""
    env = child_env(cache)
    samples: dict[str, list[tuple[float, float]]] = {framework: [] for framework in pythons}
    for framework, python in pythons.items():
        sample(python, IMPORTS[case][framework], env)  # fills the bytecode cache
    for _ in range(runs):
        for framework, python in pythons.items():
            samples[framework].append(sample(python, IMPORTS[case][framework], env))
    return samples


def record(
    case: str, framework: str, samples: list[tuple[float, float]], bytecode: str
) -> dict[str, object]:
    walls = [wall for wall, _ in samples]
    return {
        "bench": BENCH_NAMES[case],
        "framework": framework,
        "value": round(min(walls), 4),
        "unit": "s",
        "case": case,
        "bytecode": bytecode,
        "median_s": round(statistics.median(walls), 4),
        "cpu_s": round(min(cpu for _, cpu in samples), 4),
        "runs": len(samples),
        "python": sys.version.split()[0],
    }


def side_by_side(cases: list[str], runs: int, bytecode: str) -> None:
    """Both frameworks in one run: JSON records, then a table with the ratios."""
    from compare import autogen_python

    pythons = {"retinue": sys.executable, "autogen": str(autogen_python())}
    rows = []
    with tempfile.TemporaryDirectory(prefix="import-time-pycache-") as cache:
        for case in cases:
            samples = measure(pythons, case, runs, cache if bytecode == "warm" else None)
            records = {name: record(case, name, samples[name], bytecode) for name in pythons}
            for item in records.values():
                print(json.dumps(item))
            rows.append((case, records["retinue"], records["autogen"]))
    print(f"\nfresh interpreters, {runs} samples each, alternating, {bytecode} bytecode; seconds")
    print(
        "| case | retinue fastest | retinue median | AutoGen 0.7.5 fastest | AutoGen median "
        "| AutoGen / retinue |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for case, ours, theirs in rows:
        ratio = float(theirs["value"]) / float(ours["value"])
        print(
            f"| {case} | {ours['value']:.3f} | {ours['median_s']:.3f} | {theirs['value']:.3f} "
            f"| {theirs['median_s']:.3f} | {ratio:.2f}x |"
        )
    for case, ours, theirs in rows:
        if case in TARGETS:
            ratio = float(theirs["value"]) / float(ours["value"])
            verdict = "met" if ratio >= TARGETS[case] else "not met"
            print(
                f"{case}: retinue takes {1 / ratio:.2f} of AutoGen's time "
                f"(target at most 1/{TARGETS[case]:g}: {verdict})"
            )
    by_case = {case: (ours, theirs) for case, ours, theirs in rows}
    if "first_contact" in by_case and "shared_floor" in by_case:
        floor = float(by_case["shared_floor"][0]["value"])
        autogen = float(by_case["first_contact"][1]["value"])
        retinue = float(by_case["first_contact"][0]["value"])
        print(
            f"shared floor {floor:.3f} s: retinue's own share of first_contact is "
            f"{retinue - floor:.3f} s; a framework importing the floor reaches at most "
            f"{autogen / floor:.2f}x AutoGen's first_contact"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=(*BENCH_FRAMEWORKS, "all"), default="all")
    parser.add_argument("--case", choices=tuple(IMPORTS), action="append")
    parser.add_argument("--runs", type=int, default=21, help="fresh interpreters per framework")
    parser.add_argument(
        "--bytecode",
        choices=("warm", "as-is"),
        default="warm",
        help="warm: a private bytecode cache filled before timing; as-is: this environment's",
    )
    args = parser.parse_args()
    cases = args.case or list(IMPORTS)
    if args.framework == "all":
        side_by_side(cases, args.runs, args.bytecode)
        return
    with tempfile.TemporaryDirectory(prefix="import-time-pycache-") as cache:
        for case in cases:
            pythons = {args.framework: sys.executable}
            samples = measure(pythons, case, args.runs, cache if args.bytecode == "warm" else None)
            print(json.dumps(record(case, args.framework, samples[args.framework], args.bytecode)))


if __name__ == "__main__":
    main()
