"""The kernel's model contexts and ListMemory pass the conformance suites a plugin runs
(which also proves the suites on real implementations)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from retinue.chat import (
    BufferedChatCompletionContext,
    ChatCompletionContext,
    HeadAndTailChatCompletionContext,
    ListMemory,
    Memory,
    TokenLimitedChatCompletionContext,
    UnboundedChatCompletionContext,
)
from retinue.models import SystemMessage
from retinue.testing import (
    MemoryConformance,
    ModelContextConformance,
    ScriptedChatCompletionClient,
    isolated_registry,
)


class _Builtins:
    @pytest.fixture
    def component_registry(self) -> Any:
        return isolated_registry()


class TestUnboundedContextConformance(_Builtins, ModelContextConformance):
    @pytest.fixture
    def model_context(self) -> ChatCompletionContext:
        return UnboundedChatCompletionContext(
            initial_messages=[SystemMessage(content="You are terse.")]
        )


class TestBufferedContextConformance(_Builtins, ModelContextConformance):
    # A window of 3 cuts the conversation between the tool call and its result.
    @pytest.fixture(params=[1, 2, 3, 4])
    def model_context(self, request: pytest.FixtureRequest) -> ChatCompletionContext:
        return BufferedChatCompletionContext(buffer_size=request.param)


class TestHeadAndTailContextConformance(_Builtins, ModelContextConformance):
    @pytest.fixture(params=[(1, 1), (2, 1), (2, 2), (1, 3)])
    def model_context(self, request: pytest.FixtureRequest) -> ChatCompletionContext:
        head, tail = request.param
        return HeadAndTailChatCompletionContext(head_size=head, tail_size=tail)


class TestTokenLimitedContextConformance(_Builtins, ModelContextConformance):
    @pytest.fixture(params=[40, 60, 200])
    def model_context(self, request: pytest.FixtureRequest) -> ChatCompletionContext:
        client = ScriptedChatCompletionClient(["hello"])
        return TokenLimitedChatCompletionContext(client, token_limit=request.param)


class TestListMemoryConformance(_Builtins, MemoryConformance):
    @pytest.fixture
    def memory(self) -> Memory:
        return ListMemory(name="facts")


BROKEN = textwrap.dedent(
    """
    import pytest
    from retinue.chat import ListMemory, UnboundedChatCompletionContext
    from retinue.testing import MemoryConformance, ModelContextConformance


    class OldestFirstContext(UnboundedChatCompletionContext):
        async def get_messages(self):
            return self._messages[::-1]


    class LeakyContext(UnboundedChatCompletionContext):
        async def get_messages(self):
            return self._messages  # the caller may empty it


    class ForgetfulMemory(ListMemory):
        async def add(self, content, cancellation_token=None):
            return None


    class TestOldestFirst(ModelContextConformance):
        @pytest.fixture
        def model_context(self):
            return OldestFirstContext()


    class TestLeaky(ModelContextConformance):
        @pytest.fixture
        def model_context(self):
            return LeakyContext()


    class TestForgetful(MemoryConformance):
        @pytest.fixture
        def memory(self):
            return ForgetfulMemory()


    class TestForgotTheFixture(MemoryConformance):
        pass
    """
)


def test_broken_contexts_and_memories_fail_with_what_to_fix(tmp_path: Path) -> None:
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
            "--rootdir",
            str(tmp_path),
            "-o",
            "asyncio_mode=auto",
            "-k",
            "newest or reading_the_view or recalls_what or Forgot",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "the newest message must be the last one the model sees" in output
    assert "emptying the returned list must not empty the context" in output
    assert "must recall 'The user prefers metric units.'" in output
    assert "MemoryConformance needs the fixture 'memory': override it" in output
    assert "3 failed" in output, output
