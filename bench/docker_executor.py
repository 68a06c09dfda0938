"""Per-block time of a Docker code executor on the same image, in one run.

    uv run python bench/docker_executor.py --framework all       # all three side by side
    uv run python bench/docker_executor.py --framework retinue   # also times a bare exec_run
    bench/.envs/autogen/bin/python bench/docker_executor.py --framework autogen

Each run starts one executor (one container) and times ``print(1)`` blocks one after
another: the median of ``-n`` blocks after a warm-up. ``--framework retinue`` also times
``container.exec_run(["python3", "-c", "print(1)"])`` on a container of the same image,
what an exec-per-block executor cannot go below. ``--framework all`` runs that, then
AutoGen's executor in ``bench/.envs/autogen`` (created by ``compare.py``'s AutoGen
environment, with ``autogen-ext[docker]==0.7.5``), and prints the ratios beside the
targets. Needs a running engine and the image (``bash scripts/setup-docker.sh``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_FRAMEWORKS = ("retinue", "autogen")
TARGET_OVER_BARE = 1.2
TARGET_OVER_AUTOGEN = 2.0
BASE_IMAGE = "retinue-python:bookworm"
# AutoGen runs blocks with `python`; the base image has `python3` only.
IMAGE = "retinue-python:bench"


def ensure_image() -> None:
    import io

    import docker

    client = docker.from_env()
    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        dockerfile = f"FROM {BASE_IMAGE}\nRUN ln -s /usr/bin/python3 /usr/local/bin/python\n"
        client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=IMAGE, rm=True)


def emit(bench: str, framework: str, value: float, unit: str, **extra: object) -> None:
    record = {"bench": bench, "framework": framework, "value": round(value, 4), "unit": unit}
    record.update(extra, python=sys.version.split()[0])
    print(json.dumps(record))


async def time_blocks(executor: object, block: object, n: int, token: object) -> float:
    times = []
    for i in range(n + 3):
        start = time.perf_counter()
        result = await executor.execute_code_blocks([block], token)  # type: ignore[attr-defined]
        if i >= 3:  # warm-up
            times.append(time.perf_counter() - start)
        assert result.exit_code == 0, result
    return statistics.median(times)


async def retinue(n: int) -> None:
    from retinue.code import CodeBlock
    from retinue_docker import DockerCommandLineCodeExecutor

    with tempfile.TemporaryDirectory() as work_dir:
        executor = DockerCommandLineCodeExecutor(image=IMAGE, work_dir=work_dir, pull=False)
        async with executor:
            block = CodeBlock(code="print(1)", language="python")
            seconds = await time_blocks(executor, block, n, None)
    emit("docker_executor", "retinue", seconds, "s/block", n=n)


def bare(n: int) -> None:
    import docker

    client = docker.from_env()
    container = client.containers.run(IMAGE, ["sleep", "infinity"], detach=True, auto_remove=True)
    try:
        times = []
        for i in range(n + 3):
            start = time.perf_counter()
            exit_code, _ = container.exec_run(["python3", "-c", "print(1)"])
            if i >= 3:
                times.append(time.perf_counter() - start)
            assert exit_code == 0
    finally:
        container.remove(force=True)
    emit("docker_executor_bare_exec_run", "docker-sdk", statistics.median(times), "s/block", n=n)


async def autogen(n: int) -> None:
    from autogen_core import CancellationToken
    from autogen_core.code_executor import CodeBlock
    from autogen_ext.code_executors.docker import DockerCommandLineCodeExecutor

    with tempfile.TemporaryDirectory() as work_dir:
        executor = DockerCommandLineCodeExecutor(image=IMAGE, work_dir=work_dir)
        await executor.start()
        try:
            block = CodeBlock(code="print(1)", language="python")
            seconds = await time_blocks(executor, block, n, CancellationToken())
        finally:
            await executor.stop()
    emit("docker_executor", "autogen", seconds, "s/block", n=n)


def side_by_side(n: int) -> None:
    """Bare exec_run and retinue here, AutoGen in its environment; ratios and targets."""
    from compare import autogen_python

    script = [__file__, "-n", str(n), "--framework"]
    lines = []
    for python, framework in ((sys.executable, "retinue"), (autogen_python(), "autogen")):
        done = subprocess.run([str(python), *script, framework], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the {framework} side failed:\n{done.stderr[-3000:]}")
        lines += [line for line in done.stdout.splitlines() if line.startswith("{")]
    for line in lines:
        print(line)
    seconds = {json.loads(line)["framework"]: json.loads(line)["value"] for line in lines}
    over_bare = seconds["retinue"] / seconds["docker-sdk"]
    over_autogen = seconds["autogen"] / seconds["retinue"]
    print(
        f"\nbare exec_run {seconds['docker-sdk']:.4f} s, retinue {seconds['retinue']:.4f} s, "
        f"AutoGen 0.7.5 {seconds['autogen']:.4f} s per block\n"
        f"retinue / bare exec_run: {over_bare:.2f}x (target at most {TARGET_OVER_BARE}x: "
        f"{'met' if over_bare <= TARGET_OVER_BARE else 'not met'})\n"
        f"AutoGen / retinue: {over_autogen:.2f}x (target at least {TARGET_OVER_AUTOGEN}x: "
        f"{'met' if over_autogen >= TARGET_OVER_AUTOGEN else 'not met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--framework", choices=(*BENCH_FRAMEWORKS, "all"), default="retinue")
    parser.add_argument("-n", type=int, default=40, help="blocks timed")
    args = parser.parse_args()
    ensure_image()
    if args.framework == "all":
        side_by_side(args.n)
    elif args.framework == "retinue":
        bare(args.n)
        asyncio.run(retinue(args.n))
    else:
        asyncio.run(autogen(args.n))


if __name__ == "__main__":
    main()
