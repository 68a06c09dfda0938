"""AutoGen imports work with only the package prefix changed, as docs/migration.md says.

The page is generated from docs/autogen_imports.json by docs/gen_migration.py; these tests
prove every import the page promises, that the page is current, and that a real AutoGen
program runs on retinue with its prefixes rewritten.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
QUICKSTART = REPO / "tests" / "autogen_programs" / "weather_quickstart.py"
AUTOGEN_PYTHON = REPO / "bench" / ".envs" / "autogen" / "bin" / "python"
# The one line that is not a prefix change: AutoGen's replay client -> retinue's scripted one.
REPLAY_IMPORT = "from autogen_ext.models.replay import ReplayChatCompletionClient"
SCRIPTED_IMPORT = (
    "from retinue.testing import ScriptedChatCompletionClient as ReplayChatCompletionClient"
)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_migration", DOCS / "gen_migration.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = load_generator()
DATA = GENERATOR.load_data()


def test_migration_md_is_generated_from_the_mapping_and_current() -> None:
    expected = GENERATOR.render()
    actual = (DOCS / "migration.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "docs/migration.md is stale: run `uv run python docs/gen_migration.py`"
    )


@pytest.mark.parametrize(
    ("module", "name", "target"),
    GENERATOR.mapped_imports(DATA),
    ids=lambda value: str(value),
)
def test_every_mapped_import_is_the_object_the_table_names(
    module: str, name: str, target: str
) -> None:
    imported = importlib.import_module(module)
    assert name in imported.__all__, f"{module}.__all__ lacks {name}"
    home, _, attribute = target.partition(":")
    assert getattr(imported, name) is getattr(importlib.import_module(home), attribute), (
        f"`from {module} import {name}` is not {home}.{attribute}"
    )


def test_every_name_retinue_lacks_says_what_to_use_instead() -> None:
    unexplained = [
        f"{module}.{name}"
        for module, names in DATA["modules"].items()
        for name, entry in names.items()
        if isinstance(entry, dict) and not entry.get("instead", "").strip()
    ]
    assert not unexplained, f"write an `instead` in docs/autogen_imports.json for {unexplained}"


def test_the_prefix_rule_maps_module_paths_and_source() -> None:
    assert GENERATOR.retinue_module("autogen_agentchat.messages") == "retinue_agentchat.messages"
    assert GENERATOR.retinue_module("autogen_core.model_context") == "retinue.model_context"
    assert GENERATOR.retinue_module("autogen_core") == "retinue"
    assert GENERATOR.retinue_module("autogen_ext.models.openai") == "retinue_openai"
    with pytest.raises(ValueError, match="autogen_corex"):
        GENERATOR.retinue_module("autogen_corex")
    assert GENERATOR.rewrite_imports("from autogen_core.tools import FunctionTool") == (
        "from retinue.tools import FunctionTool"
    )


LAZINESS_PROBE = """
import json, sys
import retinue_agentchat.base as base
import retinue_agentchat.messages as messages
import retinue.code_executor, retinue.memory, retinue.model_context
messages.TextMessage, base.TaskResult, base.TerminatedException
heavy = ("retinue_agentchat.agents", "retinue_agentchat.teams", "openai", "anthropic", "httpx")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))
"""


def test_re_export_modules_import_no_agents_teams_or_sdk() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LAZINESS_PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(done.stdout) == [], "a re-export module imported its package eagerly"


def _run(python: str | Path, source: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    program = tmp_path / "weather_quickstart.py"
    program.write_text(source, encoding="utf-8")
    return subprocess.run(
        [str(python), str(program)],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
        cwd=tmp_path,
    )


def _assert_quickstart_ran(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "It is 73 degrees and Sunny in New York. TERMINATE" in done.stdout  # Console output
    assert "RESTORED STATE HAS THE TOOL RESULT: True" in done.stdout
    assert "RESTORED: You asked about New York. TERMINATE" in done.stdout


def test_autogen_quickstart_runs_with_only_the_prefixes_rewritten(tmp_path: Path) -> None:
    source = QUICKSTART.read_text(encoding="utf-8")
    assert REPLAY_IMPORT in source
    rewritten = GENERATOR.rewrite_imports(source.replace(REPLAY_IMPORT, SCRIPTED_IMPORT))
    assert "autogen" not in rewritten.split('"""', 2)[2]  # nothing of AutoGen's left to import
    _assert_quickstart_ran(_run(sys.executable, rewritten, tmp_path))


@pytest.mark.skipif(
    not AUTOGEN_PYTHON.exists() and not os.environ.get("CI"),
    reason="no AutoGen environment (bash scripts/setup-autogen-env.sh creates it; CI always does)",
)
def test_the_quickstart_is_real_autogen_code(tmp_path: Path) -> None:
    _assert_quickstart_ran(_run(AUTOGEN_PYTHON, QUICKSTART.read_text(encoding="utf-8"), tmp_path))
