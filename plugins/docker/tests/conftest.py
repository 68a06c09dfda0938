"""A real Docker engine and the offline base image for every test here.

If no engine answers (or the image is missing), ``scripts/setup-docker.sh`` installs,
starts and builds what is needed, so these tests never skip for want of an engine.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

IMAGE = os.environ.get("RETINUE_DOCKER_IMAGE", "retinue-python:bookworm")
SETUP = Path(__file__).resolve().parents[3] / "scripts" / "setup-docker.sh"


def _ready() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.images.get(IMAGE)
        client.close()
    except Exception:  # any failure means "set it up"
        return False
    return True


@pytest.fixture(scope="session")
def docker_image() -> str:
    """The name of an image (python3 inside) on a running engine."""
    if not _ready():
        done = subprocess.run(
            ["bash", str(SETUP)],
            capture_output=True,
            text=True,
            timeout=1200,
            env={**os.environ, "RETINUE_DOCKER_IMAGE": IMAGE},
        )
        assert done.returncode == 0 and _ready(), (
            f"{SETUP} could not provide a Docker engine with image {IMAGE}:\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return IMAGE
