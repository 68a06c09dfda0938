"""No stray containers: a container whose owner process was SIGKILLed (so it could not
stop it) is removed by the next executor that starts, or by ``retinue docker prune``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import docker
from retinue_docker import DockerCommandLineCodeExecutor

# Starts an executor's container, prints its name, then waits to be killed.
OWNER = """
import asyncio, sys, time
from retinue.code import CodeBlock
from retinue_docker import DockerCommandLineCodeExecutor

async def main():
    executor = DockerCommandLineCodeExecutor(
        image=sys.argv[1], work_dir=sys.argv[2], pull=False, stop_container=sys.argv[3] == "stop"
    )
    await executor.execute_code_blocks([CodeBlock(code="print(1)", language="python")])
    print(executor.container_name, flush=True)
    time.sleep(300)

asyncio.run(main())
"""


def start_owner(image: str, work_dir: Path, stop_container: bool = True) -> tuple[str, int]:
    """Run OWNER in a subprocess, SIGKILL it once its container runs; (container, pid)."""
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, image, str(work_dir), "stop" if stop_container else "keep"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout is not None
        name = owner.stdout.readline().strip()
        if not name:
            owner.wait(timeout=60)
            raise AssertionError(f"the owner did not start a container: {owner.stderr.read()}")
    finally:
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=60)
    return name, owner.pid


def exists(name: str) -> bool:
    return bool(docker.from_env().containers.list(all=True, filters={"name": f"^/{name}$"}))


async def test_a_new_executor_removes_the_container_of_a_killed_owner(
    docker_image: str, tmp_path: Path
) -> None:
    stale, pid = await asyncio.to_thread(start_owner, docker_image, tmp_path / "killed")
    labels = docker.from_env().containers.get(stale).labels if exists(stale) else {}
    assert not labels or labels["retinue.owner.pid"] == str(pid), labels
    async with DockerCommandLineCodeExecutor(
        image=docker_image, work_dir=tmp_path / "new", pull=False
    ) as executor:
        await asyncio.wait_for(executor.start(), 120)
        mine = executor.container_name
        assert mine is not None and exists(mine), "the new executor's own container must run"
        assert not exists(stale), f"{stale} of the killed process {pid} must be removed"


async def test_containers_of_live_owners_and_kept_containers_stay(
    docker_image: str, tmp_path: Path
) -> None:
    kept, _ = await asyncio.to_thread(
        start_owner, docker_image, tmp_path / "kept", stop_container=False
    )
    try:
        async with DockerCommandLineCodeExecutor(
            image=docker_image, work_dir=tmp_path / "a", pull=False
        ) as first:
            await asyncio.wait_for(first.start(), 120)
            async with DockerCommandLineCodeExecutor(
                image=docker_image, work_dir=tmp_path / "b", pull=False
            ) as second:
                await asyncio.wait_for(second.start(), 120)
                assert first.container_name is not None and exists(first.container_name)
            assert exists(kept), "stop_container=False keeps the container, owner or not"
    finally:
        docker.from_env().containers.get(kept).remove(force=True)


def test_retinue_docker_prune_removes_the_container_of_a_killed_owner(
    docker_image: str, tmp_path: Path
) -> None:
    stale, _ = start_owner(docker_image, tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from retinue.cli import main; sys.exit(main())",
            "docker",
            "prune",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "container(s) removed whose executor is gone" in done.stdout, done.stdout
    assert not exists(stale)
