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


NO_OP_RESETS = textwrap.dedent(
    """
    import pytest
    from retinue import TerminatedError
    from retinue.chat import StopMessage, TerminationCondition, TextMessage
    from retinue.testing import (
        AgentConformance,
        ScriptedChatAgent,
        TerminationConditionConformance,
    )


    class ForgetfulAgent(ScriptedChatAgent):
        async def on_reset(self, cancellation_token):
            return None


    class StubbornAgent(ScriptedChatAgent):
        async def load_state(self, state):
            return None


    class TestForgetful(AgentConformance):
        @pytest.fixture
        def agent(self):
            return ForgetfulAgent("forgetful", ["hello"])


    class TestStubborn(AgentConformance):
        @pytest.fixture
        def agent(self):
            return StubbornAgent("stubborn", ["hello"])


    class HalfClearedCount(TerminationCondition):
        # reset() clears the flag but keeps the count.
        def __init__(self):
            self._seen = 0
            self._fired = False

        @property
        def terminated(self):
            return self._fired

        async def __call__(self, messages):
            if self._fired:
                raise TerminatedError("already fired")
            self._seen += len(messages)
            if self._seen >= 2:
                self._fired = True
                return StopMessage(content="two seen", source="count")
            return None

        async def reset(self):
            self._fired = False


    class TestHalfClearedCount(TerminationConditionConformance):
        @pytest.fixture
        def condition(self):
            return HalfClearedCount()

        @pytest.fixture
        def quiet_messages(self):
            return [TextMessage(content="one", source="a")]

        @pytest.fixture
        def firing_messages(self):
            return [TextMessage(content="a", source="a"), TextMessage(content="b", source="a")]
    """
)


def test_a_reset_or_load_state_that_does_nothing_fails_the_suites(tmp_path: Path) -> None:
    test_file = tmp_path / "test_lazy_plugin.py"
    test_file.write_text(NO_OP_RESETS)
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
            "-k",
            "reset_then or survives_json or usable_again",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    failed = {line.split("::", 1)[1] for line in output.splitlines() if line.startswith("FAILED")}
    failed = {name.split(" ")[0] for name in failed}
    assert failed == {
        "TestForgetful::test_reset_then_answer_again",
        "TestStubborn::test_state_survives_json_and_loads_back",
        "TestHalfClearedCount::test_reset_makes_it_usable_again",
    }, output
    assert "after on_reset the agent's state must be what it was" in output
    assert "save_state() after load_state(state) must give the same state" in output
    assert "reset() must forget what the condition had counted" in output
