"""retinue-docker passes the kernel's code-executor conformance suite on a real engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from retinue.testing import CodeExecutorConformance
from retinue.testing._registry import isolated_registry
from retinue_docker import DockerCommandLineCodeExecutor, plugin


class TestDockerCodeExecutorConformance(CodeExecutorConformance):
    @pytest.fixture
    def code_executor(self, tmp_path: Path, docker_image: str) -> DockerCommandLineCodeExecutor:
        return DockerCommandLineCodeExecutor(
            image=docker_image, timeout=3, work_dir=tmp_path, pull=False
        )

    @pytest.fixture
    def component_registry(self) -> Any:
        return isolated_registry(plugin)
