"""A broken implementation fails the suites with messages that say what to fix."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

BROKEN = textwrap.dedent(
    """
    import pytest
    from retinue.testing import ScriptedChatCompletionClient, ToolConformance
    from retinue.testing import ModelClientConformance
    from retinue.tools import FunctionTool


    def shout(text: str) -> str:
        return text.upper()


    class TestForgotFixtures(ToolConformance):
        pass


    class TestLenientTool(ToolConformance):
        @pytest.fixture
        def tool(self):
            return FunctionTool(shout, description="Shout.")

        @pytest.fixture
        def valid_args(self):
            return {"text": "hi"}

        @pytest.fixture
        def invalid_args(self):
            return {"text": "fine"}  # not actually invalid


    class TestWrongAnswer(ModelClientConformance):
        @pytest.fixture
        def model_client(self):
            return ScriptedChatCompletionClient(["goodbye"])
    """
)


def test_failures_tell_the_author_what_to_fix(tmp_path: Path) -> None:
    test_file = tmp_path / "test_broken_plugin.py"
    test_file.write_text(BROKEN)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(test_file),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--rootdir",
            str(tmp_path),
            "-o",
            "asyncio_mode=auto",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "ToolConformance needs the fixture 'tool': override it" in output
    assert "DID NOT RAISE" in output and "ToolError" in output
    assert "create() should return the served text 'hello' as content, got 'goodbye'" in output
