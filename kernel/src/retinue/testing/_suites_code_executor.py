"""Conformance suite for code executors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .._errors import CancelledError, RetinueError
from ..cancellation import CancellationToken
from ..code import CodeBlock, CodeExecutor, CodeResult
from ..components import load_component
from ._suites_common import ConformanceBase, missing_fixture

__all__ = ["CodeExecutorConformance"]

_SLEEP = "import time\ntime.sleep(30)\nprint('woke up')\n"


def python(code: str) -> CodeBlock:
    return CodeBlock(code=code, language="python")


class CodeExecutorConformance(ConformanceBase):
    """Checks a :class:`~retinue.code.CodeExecutor` that runs Python.

    Override the fixture ``code_executor``: a fresh executor (the suite starts and stops
    it) configured with a **short timeout** (a few seconds): one test runs code that
    sleeps for 30 seconds and expects the timeout result (exit code 124).
    """

    @pytest.fixture
    def code_executor(self) -> CodeExecutor:
        return missing_fixture(  # type: ignore[no-any-return]
            "CodeExecutorConformance",
            "code_executor",
            "a fresh executor with a timeout of a few seconds",
        )

    async def _run(self, executor: CodeExecutor, *blocks: CodeBlock) -> CodeResult:
        async with executor:
            result = await executor.execute_code_blocks(list(blocks), CancellationToken())
        assert isinstance(result, CodeResult), "execute_code_blocks() must return a CodeResult"
        return result

    async def test_runs_python_and_captures_output(self, code_executor: CodeExecutor) -> None:
        result = await self._run(code_executor, python("print('hello from code')"))
        assert result.exit_code == 0, f"print() should succeed, got {result}"
        assert "hello from code" in result.output, "the output must contain what was printed"

    async def test_non_zero_exit_is_a_result(self, code_executor: CodeExecutor) -> None:
        result = await self._run(code_executor, python("import sys\nsys.exit(3)"))
        assert result.exit_code == 3, (
            f"the program's exit code must be passed through, got {result.exit_code}"
        )

    async def test_syntax_error_is_reported(self, code_executor: CodeExecutor) -> None:
        result = await self._run(code_executor, python("def broken(:\n    pass"))
        assert result.exit_code != 0, "a syntax error must give a non-zero exit code"
        assert "SyntaxError" in result.output, "the output must show the SyntaxError"

    async def test_timeout_gives_exit_code_124(self, code_executor: CodeExecutor) -> None:
        result = await self._run(code_executor, python(_SLEEP))
        assert result.exit_code == 124, (
            f"code running past the timeout must end with exit code 124, got {result.exit_code}"
        )
        assert "timeout" in result.output.lower() or "timed out" in result.output.lower(), (
            f"the output must say the code timed out, got {result.output!r}"
        )
        assert "woke up" not in result.output

    async def test_stops_at_the_first_failing_block(self, code_executor: CodeExecutor) -> None:
        result = await self._run(
            code_executor,
            python("print('first')"),
            python("raise SystemExit(2)"),
            python("print('third')"),
        )
        assert result.exit_code == 2, f"the failing block's exit code must be kept: {result}"
        assert "first" in result.output, "output of the blocks before the failure must be kept"
        assert "third" not in result.output, "blocks after a failure must not run"

    async def test_unknown_language_is_refused_clearly(self, code_executor: CodeExecutor) -> None:
        block = CodeBlock(code="print 1", language="no-such-language")
        try:
            result = await self._run(code_executor, block)
        except RetinueError as exc:
            assert "no-such-language" in str(exc), "the error must name the language"
            return
        assert result.exit_code != 0, "an unsupported language must not succeed"
        assert "no-such-language" in result.output, "the output must name the language"

    async def test_cancellation_stops_the_run(self, code_executor: CodeExecutor) -> None:
        token = CancellationToken()
        async with code_executor:
            task = asyncio.ensure_future(code_executor.execute_code_blocks([python(_SLEEP)], token))
            await asyncio.sleep(0.2)
            token.cancel()
            try:
                result: Any = await task
            except (CancelledError, asyncio.CancelledError):
                return
        assert isinstance(result, CodeResult) and result.exit_code != 0, (
            f"a cancelled run must raise CancelledError or return a failed result, got {result!r}"
        )
        assert "woke up" not in result.output

    def test_dump_and_load_round_trip(
        self, code_executor: CodeExecutor, component_registry: Any
    ) -> None:
        spec = code_executor.dump_component()
        assert spec.kind == "code_executor", f"kind must be 'code_executor', got {spec.kind!r}"
        loaded = load_component(spec, CodeExecutor, registry=component_registry)
        assert type(loaded) is type(code_executor)
        assert loaded.dump_component() == spec, "dump(load(dump(x))) must equal dump(x)"
