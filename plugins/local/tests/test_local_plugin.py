"""Registration, declarative specs and import cost of retinue-local."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from retinue_local import LocalCommandLineCodeExecutor, plugin


def test_hook_registers_the_executor_with_autogen_aliases() -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    plugin.retinue_register_code_executors(lambda *a, **kw: calls.append((a, kw)))
    [(args, kwargs)] = calls
    assert args == ("local", "retinue_local._executor:LocalCommandLineCodeExecutor")
    assert "autogen_ext.code_executors.local.LocalCommandLineCodeExecutor" in kwargs["aliases"]


def test_importing_the_plugin_module_stays_cheap() -> None:
    code = (
        "import sys, retinue_local.plugin\n"
        "heavy = {'retinue_local._executor', 'pydantic'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_dump_writes_provider_kind_and_config(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=5, work_dir=tmp_path, max_output_bytes=100)
    spec = executor.dump_component()
    assert spec.provider == "local"
    assert spec.kind == "code_executor"
    assert spec.config == {
        "timeout": 5.0,
        "work_dir": str(tmp_path),
        "cleanup_temp_files": True,
        "max_output_bytes": 100,
    }
