"""Cold import time of the runtime API, median of fresh interpreters.

    python bench/import_time.py --framework retinue|autogen

retinue: ``import retinue.runtime`` (the agent runtime; the ``kernel_root_s`` field is
``import retinue`` alone, which stays lazy); AutoGen: ``import autogen_core``.
Only the import is timed, not interpreter start-up.
"""

import argparse
import statistics
import subprocess
import sys

from _harness import emit

BENCH_FRAMEWORKS = ("retinue", "autogen")
MODULES = {"retinue": "retinue.runtime", "autogen": "autogen_core"}
CHILD = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def cold_import_seconds(module: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", CHILD.format(module=module)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        samples.append(float(output.strip()))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--framework", choices=BENCH_FRAMEWORKS, default="retinue")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    module = MODULES[args.framework]
    extra = {"module": module}
    if args.framework == "retinue":
        extra["kernel_root_s"] = round(cold_import_seconds("retinue", args.runs), 4)
    emit("import_time", args.framework, cold_import_seconds(module, args.runs), "s", **extra)


if __name__ == "__main__":
    main()
