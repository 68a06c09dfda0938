"""Per-block time of a Docker code executor on the same image, in one run.

    uv run python bench/docker_executor.py --framework retinue   # also times a bare exec_run
    bench/.envs/autogen/bin/python bench/docker_executor.py --framework autogen

Each run starts one executor (one container) and times ``print(1)`` blocks one after
another: the median of ``-n`` blocks after a warm-up. ``--framework retinue`` also times
``container.exec_run(["python3", "-c", "print(1)"])`` on a container of the same image,
the floor any exec-per-block executor sits on. Needs a running engine and the image
(``bash scripts/setup-docker.sh``); AutoGen's executor needs ``docker`` in its venv.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time

BENCH_FRAMEWORKS = ("retinue", "autogen")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--framework", choices=BENCH_FRAMEWORKS, default="retinue")
    parser.add_argument("-n", type=int, default=40, help="blocks timed")
    args = parser.parse_args()
    ensure_image()
    if args.framework == "retinue":
        bare(args.n)
        asyncio.run(retinue(args.n))
    else:
        asyncio.run(autogen(args.n))


if __name__ == "__main__":
    main()
