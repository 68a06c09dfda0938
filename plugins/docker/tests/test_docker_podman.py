"""The executor on Podman's Docker-compatible socket (``DOCKER_HOST=unix://...``).

``scripts/setup-podman.sh`` installs Podman, starts its service and copies the base
image into its store, so this never skips for want of Podman. Podman here cannot raise
hard resource limits above the caller's, so the container asks for lower ones
(``ulimits``).
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from retinue.code import CodeBlock
from retinue_docker import DockerCommandLineCodeExecutor

SETUP = Path(__file__).resolve().parents[3] / "scripts" / "setup-podman.sh"
ULIMITS: dict[str, int | tuple[int, int]] = {"nofile": 1024, "nproc": 4096}


@pytest.fixture(scope="module")
def podman_host(docker_image: str) -> str:
    done = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"{SETUP} failed:\n{done.stderr[-3000:]}"
    return done.stdout.strip().splitlines()[-1]


async def test_the_executor_runs_code_on_podman(
    podman_host: str, docker_image: str, tmp_path: Path
) -> None:
    executor = DockerCommandLineCodeExecutor(
        image=docker_image,
        work_dir=tmp_path,
        pull=False,
        timeout=3,
        docker_host=podman_host,
        ulimits=ULIMITS,
    )
    async with executor:
        ran = await asyncio.wait_for(
            executor.execute_code_blocks(
                [CodeBlock(code="import os\nprint('uid', os.getuid())", language="python")]
            ),
            120,
        )
        slow = await asyncio.wait_for(
            executor.execute_code_blocks(
                [CodeBlock(code="import time\ntime.sleep(30)", language="python")]
            ),
            120,
        )
    assert ran.exit_code == 0 and ran.output.strip().startswith("uid "), ran
    assert ran.output.strip() != "uid 0", "the code must not run as root"
    assert slow.exit_code == 124 and "Timeout" in slow.output, slow
