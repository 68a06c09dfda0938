"""Limits, faults and bad input on a real engine: each gives a clear result or error, and
the executor keeps working afterwards."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import docker
import pytest
from retinue import load_component
from retinue.code import CodeBlock, CodeResult
from retinue.testing._registry import isolated_registry
from retinue_docker import (
    DockerCommandLineCodeExecutor,
    DockerEngineError,
    DockerImageError,
    plugin,
)


def executor_for(image: str, work_dir: Path, **kwargs: Any) -> DockerCommandLineCodeExecutor:
    kwargs.setdefault("timeout", 5)
    return DockerCommandLineCodeExecutor(image=image, work_dir=work_dir, pull=False, **kwargs)


async def run(
    executor: DockerCommandLineCodeExecutor, code: str, language: str = "python"
) -> CodeResult:
    return await asyncio.wait_for(
        executor.execute_code_blocks([CodeBlock(code=code, language=language)]), 120
    )


async def test_output_flood_is_capped(docker_image: str, tmp_path: Path) -> None:
    async with executor_for(docker_image, tmp_path, max_output_bytes=10_000) as executor:
        flood = await run(executor, "import sys\nsys.stdout.write('x' * 5_000_000)")
        after = await run(executor, "print('still works')")
    assert flood.exit_code == 0
    assert "[output truncated" in flood.output and len(flood.output) < 11_000
    assert "still works" in after.output


async def test_fork_bomb_stops_at_the_pids_limit(docker_image: str, tmp_path: Path) -> None:
    async with executor_for(docker_image, tmp_path, pids_limit=64, timeout=8) as executor:
        bomb = await run(executor, ":(){ :|:& };:\nsleep 30", language="bash")
        after = await run(executor, "print('still works')")
    assert bomb.exit_code != 0
    assert "still works" in after.output, f"the executor must recover, got {after}"


async def test_infinite_loop_times_out(docker_image: str, tmp_path: Path) -> None:
    async with executor_for(docker_image, tmp_path, timeout=2) as executor:
        loop = await run(executor, "while True:\n    pass")
        after = await run(executor, "print('still works')")
    assert loop.exit_code == 124 and "Timeout" in loop.output
    assert "still works" in after.output


async def test_writes_outside_the_work_dir_fail(docker_image: str, tmp_path: Path) -> None:
    async with executor_for(docker_image, tmp_path) as executor:
        root = await run(executor, "open('/etc/evil', 'w').write('x')")
        usr = await run(executor, "open('/usr/evil.py', 'w').write('x')")
        inside = await run(executor, "open('/workspace/ok.txt', 'w').write('x')\nprint('ok')")
        who = await run(executor, "import os\nprint(os.getuid())")
    assert root.exit_code != 0 and "Error" in root.output
    assert usr.exit_code != 0
    assert inside.exit_code == 0 and (tmp_path / "ok.txt").read_text() == "x"
    assert who.output.strip() != "0", "the code must not run as root"


async def test_no_network_by_default(docker_image: str, tmp_path: Path) -> None:
    async with executor_for(docker_image, tmp_path) as executor:
        result = await run(
            executor, "import socket\nprint(sorted(n for _, n in socket.if_nameindex()))"
        )
    assert result.output.strip() == "['lo']", result.output


async def test_functions_are_importable(docker_image: str, tmp_path: Path) -> None:
    def add(a: int, b: int) -> int:
        return a + b

    async with executor_for(docker_image, tmp_path, functions=[add]) as executor:
        result = await run(
            executor, "# filename: sub/use.py\nfrom functions import add\nprint(add(2, 3))"
        )
    assert result.exit_code == 0 and result.output.strip() == "5", result


async def test_container_killed_mid_run_is_a_result_and_the_next_run_recovers(
    docker_image: str, tmp_path: Path
) -> None:
    async with executor_for(docker_image, tmp_path, timeout=30) as executor:
        await run(executor, "print('up')")
        name = executor.container_name
        running = asyncio.ensure_future(run(executor, "import time\ntime.sleep(25)"))
        await asyncio.sleep(1.0)
        await asyncio.to_thread(lambda: docker.from_env().containers.get(name).kill())
        killed = await asyncio.wait_for(running, 60)
        after = await run(executor, "print('still works')")
        new_name = executor.container_name
    assert killed.exit_code != 0 and "container stopped" in killed.output, killed
    assert "still works" in after.output and new_name != name


async def test_no_container_is_left_after_stop(docker_image: str, tmp_path: Path) -> None:
    async with executor_for(docker_image, tmp_path) as executor:
        await run(executor, "print(1)")
        name = executor.container_name
    client = docker.from_env()
    for _ in range(50):
        if not client.containers.list(all=True, filters={"name": name}):
            break
        await asyncio.sleep(0.1)
    assert not client.containers.list(all=True, filters={"name": name})


async def test_engine_not_running_says_how_to_start_it(docker_image: str, tmp_path: Path) -> None:
    executor = executor_for(docker_image, tmp_path, docker_host="unix:///nonexistent/docker.sock")
    with pytest.raises(DockerEngineError, match="start the engine") as raised:
        await run(executor, "print(1)")
    assert "DOCKER_HOST" in str(raised.value)
    await executor.stop()


async def test_missing_image_says_how_to_get_it(docker_image: str, tmp_path: Path) -> None:
    executor = executor_for("retinue-no-such-image:never", tmp_path)
    with pytest.raises(DockerImageError, match="docker pull"):
        await run(executor, "print(1)")
    await executor.stop()


async def test_image_built_from_a_dockerfile_on_first_use(
    docker_image: str, tmp_path: Path
) -> None:
    context = tmp_path / "image"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {docker_image}\nENV RETINUE_BUILT=yes\n")
    image = "retinue-docker-test-built:latest"
    client = docker.from_env()
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(image, force=True)
    try:
        async with executor_for(image, tmp_path / "work", dockerfile=context) as executor:
            result = await run(executor, "import os\nprint(os.environ.get('RETINUE_BUILT'))")
        assert result.output.strip() == "yes"
    finally:
        client.images.remove(image, force=True)


def test_autogen_spec_loads(tmp_path: Path) -> None:
    spec = {
        "provider": "autogen_ext.code_executors.docker.DockerCommandLineCodeExecutor",
        "component_type": "code_executor",
        "version": 1,
        "component_version": 1,
        "description": "Executes code through a command line environment in a Docker container.",
        "label": "DockerCommandLineCodeExecutor",
        "config": {
            "image": "python:3-slim",
            "container_name": None,
            "timeout": 60,
            "work_dir": str(tmp_path),
            "bind_dir": None,
            "auto_remove": True,
            "stop_container": True,
            "functions_module": "functions",
            "extra_volumes": {},
            "extra_hosts": {},
            "init_command": None,
            "delete_tmp_files": False,
        },
    }
    executor = load_component(spec, registry=isolated_registry(plugin))
    assert isinstance(executor, DockerCommandLineCodeExecutor)
    assert executor.image == "python:3-slim" and executor.timeout == 60
    assert executor.work_dir == tmp_path


async def test_code_that_kills_the_supervisor_gets_a_result_and_a_new_container(
    docker_image: str, tmp_path: Path
) -> None:
    # The block's parent is its run's supervisor, whose parent is the supervisor server.
    kill_server = (
        "import os, signal\n"
        "stat = open(f'/proc/{os.getppid()}/stat').read()\n"
        "os.kill(int(stat.rsplit(')', 1)[1].split()[1]), signal.SIGKILL)\n"
        "import time\ntime.sleep(20)"
    )
    async with executor_for(docker_image, tmp_path, timeout=30) as executor:
        await run(executor, "print('up')")
        name = executor.container_name
        killed = await run(executor, kill_server)
        after = await run(executor, "print('still works')")
        new_name = executor.container_name
    assert killed.exit_code != 0 and "container stopped" in killed.output, killed
    assert "still works" in after.output and new_name != name


async def test_a_block_that_cannot_start_for_the_pids_limit_says_so(
    docker_image: str, tmp_path: Path
) -> None:
    fill = (
        "import subprocess, time\n"
        "children = []\n"
        "try:\n"
        "    while True:\n"
        "        children.append(subprocess.Popen(['sleep', '60']))\n"
        "except OSError:\n"
        "    open('/workspace/full', 'w').close()\n"
        "time.sleep(60)\n"
    )
    async with executor_for(docker_image, tmp_path, pids_limit=24, timeout=20) as executor:
        filling = asyncio.ensure_future(run(executor, fill))
        for _ in range(300):
            if (tmp_path / "full").exists() or filling.done():
                break
            await asyncio.sleep(0.1)
        assert (tmp_path / "full").exists(), f"the pids limit was not reached: {filling}"
        refused = await run(executor, "print('ran')")
        filling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(filling, 60)
        after = await run(executor, "print('still works')")
    assert refused.exit_code == 1 and "could not start the code" in refused.output, refused
    assert "pids_limit" in refused.output
    assert "still works" in after.output, after
