"""retinue-local passes the kernel's code-executor conformance suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from retinue.registry import Registry
from retinue.testing import CodeExecutorConformance
from retinue.testing._registry import isolated_registry
from retinue_local import LocalCommandLineCodeExecutor, plugin


class TestLocalCodeExecutorConformance(CodeExecutorConformance):
    @pytest.fixture
    def code_executor(self, tmp_path: Path) -> LocalCommandLineCodeExecutor:
        return LocalCommandLineCodeExecutor(timeout=2, work_dir=tmp_path)

    @pytest.fixture
    def component_registry(self) -> Any:
        return isolated_registry(plugin)


def test_spec_loads_through_the_registry_and_the_autogen_alias(tmp_path: Path) -> None:
    from retinue import load_component

    registry: Registry = isolated_registry(plugin)
    autogen_spec = {
        "provider": "autogen_ext.code_executors.local.LocalCommandLineCodeExecutor",
        "component_type": "code_executor",
        "version": 1,
        "config": {"timeout": 7, "work_dir": str(tmp_path), "functions_module": "functions"},
    }
    executor = load_component(autogen_spec, LocalCommandLineCodeExecutor, registry=registry)
    assert executor.timeout == 7
    assert executor.work_dir == tmp_path


def test_invalid_spec_names_the_field() -> None:
    from retinue import ComponentLoadError, load_component

    with pytest.raises(ComponentLoadError, match="timeout"):
        load_component(
            {"provider": "local", "config": {"timeout": -1}}, registry=isolated_registry(plugin)
        )
