"""Conformance suite for code executors."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any, ClassVar

import pytest

from .._errors import CancelledError, RetinueError
from ..cancellation import CancellationToken
from ..code import CodeBlock, CodeExecutor, CodeResult
from ..components import load_component
from ._suites_common import ConformanceBase, missing_fixture

__all__ = ["CodeExecutorConformance"]

_SLEEP = "import time\ntime.sleep(30)\nprint('woke up')\n"
# Generous bound on any one await: a hang becomes a failure, never a stuck suite.
_HANG_SECONDS = 30.0

# The fault tests run Python *inside* the executor, so they hold for executors whose
# processes live elsewhere (a container, a remote session): pid files go to the
# executor's own temp dir, and liveness is checked there with os.kill(pid, 0).
_PID_FILE = "import os, tempfile\nPID_FILE = os.path.join(tempfile.gettempdir(), {name!r})\n"
# A grandchild that leaves the block's session and process group, as a daemon does.
_START_DETACHED = (
    _PID_FILE + "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'import os, sys, time\\n"
    'open(sys.argv[1], "w").write(str(os.getpid()))\\ntime.sleep(60)\', PID_FILE],'
    " start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL)\n"
    "while not os.path.exists(PID_FILE) or not open(PID_FILE).read():\n"
    "    time.sleep(0.05)\n"
    "time.sleep(60)\n"
)
_ALIVE = (
    _PID_FILE + "import signal, time\n"
    "pid = int(open(PID_FILE).read())\n"
    "def alive():\n"
    "    try:\n"
    "        os.kill(pid, 0)\n"
    "    except ProcessLookupError:\n"
    "        return False\n"
    "    try:  # a zombie is gone too, it only waits to be reaped\n"
    "        return ' Z' not in open(f'/proc/{{pid}}/stat').read().rsplit(')', 1)[1][:3]\n"
    "    except OSError:\n"
    "        return True\n"
)
# Waits up to 15 s for the process to go; kills it if it is still there, so a failing
# executor leaks nothing. Prints "gone" or "survived".
_CHECK_GONE = (
    _ALIVE + "for _ in range(300):\n"
    "    if not alive():\n"
    "        break\n"
    "    time.sleep(0.05)\n"
    "survived = alive()\n"
    "if survived:\n"
    "    os.kill(pid, signal.SIGKILL)\n"
    "os.remove(PID_FILE)\n"
    "print('survived' if survived else 'gone')\n"
)
# Ignores SIGTERM (noting it), so only SIGKILL stops it.
_IGNORE_SIGTERM = (
    _PID_FILE + "import signal, time\n"
    "def note(*_):\n"
    "    open(PID_FILE + '.term', 'w').close()\n"
    "signal.signal(signal.SIGTERM, note)\n"
    "open(PID_FILE, 'w').write(str(os.getpid()))\n"
    "while True:\n"
    "    time.sleep(0.1)\n"
)
_CHECK_STARTED = _PID_FILE + "print('yes' if os.path.exists(PID_FILE) else 'no')\n"
# The executor began stopping the code: it got SIGTERM, or is already gone (SIGKILL).
_CHECK_STOPPING = (
    _ALIVE + "print('yes' if os.path.exists(PID_FILE + '.term') or not alive() else 'no')\n"
)


def python(code: str) -> CodeBlock:
    return CodeBlock(code=code, language="python")


class CodeExecutorConformance(ConformanceBase):
    """Checks a :class:`~retinue.code.CodeExecutor` that runs Python.

    Override the fixture ``code_executor``: a fresh executor (the suite starts and stops
    it) configured with a **short timeout** (a few seconds): one test runs code that
    sleeps for 30 seconds and expects the timeout result (exit code 124).

    Fault tests check what every executor must guarantee however it runs code: a timeout
    or a cancellation stops the whole process tree (a grandchild that called ``setsid()``
    included), a second cancellation while the processes are being stopped still ends in
    SIGKILL, unusable ``# filename:`` lines and undecodable output give results rather
    than exceptions. They run Python inside the executor to look at its processes, so
    they need ``/tmp``-style temp files to persist between runs of one executor.

    Set ``named_files = False`` for an executor that runs code without writing it to a
    file (``python -c``, a Jupyter kernel): it ignores ``# filename:`` lines, so those
    tests only check that such a block gives a result.
    """

    named_files: ClassVar[bool] = True

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

    async def _in(self, executor: CodeExecutor, code: str) -> CodeResult:
        result = await asyncio.wait_for(
            executor.execute_code_blocks([python(code)], CancellationToken()), _HANG_SECONDS
        )
        assert isinstance(result, CodeResult), "execute_code_blocks() must return a CodeResult"
        return result

    async def test_timeout_stops_a_grandchild_that_left_the_process_group(
        self, code_executor: CodeExecutor
    ) -> None:
        name = f"retinue-conformance-{uuid.uuid4().hex}.pid"
        async with code_executor:
            result = await self._in(code_executor, _START_DETACHED.format(name=name))
            assert result.exit_code == 124, f"the block must time out, got {result}"
            check = await self._in(code_executor, _CHECK_GONE.format(name=name))
        assert check.output.strip() == "gone", (
            "a grandchild that called setsid() must be stopped with the block on timeout; "
            f"the check said {check.output!r}"
        )

    async def test_second_cancellation_while_stopping_still_kills(
        self, code_executor: CodeExecutor
    ) -> None:
        name = f"retinue-conformance-{uuid.uuid4().hex}.pid"
        async with code_executor:
            run = asyncio.ensure_future(
                code_executor.execute_code_blocks(
                    [python(_IGNORE_SIGTERM.format(name=name))], CancellationToken()
                )
            )
            try:
                await self._until(code_executor, _CHECK_STARTED.format(name=name), "start")
                run.cancel()
                # Cancel again once the code got SIGTERM: the executor is then inside its
                # grace period, which the second cancellation must not end.
                await self._until(code_executor, _CHECK_STOPPING.format(name=name), "be stopped")
                run.cancel()
            finally:
                run.cancel()
                with contextlib.suppress(CancelledError, asyncio.CancelledError):
                    await asyncio.wait_for(run, _HANG_SECONDS)
            check = await self._in(code_executor, _CHECK_GONE.format(name=name))
        assert check.output.strip() == "gone", (
            "code that ignores SIGTERM must get SIGKILL even when the run is cancelled twice; "
            f"the check said {check.output!r}"
        )

    async def _until(self, executor: CodeExecutor, check: str, what: str) -> None:
        for _ in range(100):
            if (await self._in(executor, check)).output.strip() == "yes":
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"the code that ignores SIGTERM did not {what} within 10 s")

    @pytest.mark.parametrize(
        "name",
        [
            "scripts",  # a directory the first block creates
            "n" * 300 + ".py",  # ENAMETOOLONG
            "a\0b.py",
            "../escaped.py",
        ],
        ids=["directory", "too-long", "nul", "outside-work-dir"],
    )
    async def test_unusable_filename_is_an_exit_code_one_result(
        self, code_executor: CodeExecutor, name: str
    ) -> None:
        async with code_executor:
            await self._in(code_executor, "import os\nos.makedirs('scripts', exist_ok=True)")
            result = await self._in(code_executor, f"# filename: {name}\nprint('ran')")
            after = await self._in(code_executor, "print('still works')")
        if self.named_files:
            assert result.exit_code == 1, (
                f"a '# filename:' line naming {name[:40]!r} must give exit code 1, got {result}"
            )
            assert result.output.strip() and "ran" not in result.output, (
                f"the output must say what is wrong with the name, got {result.output[:300]!r}"
            )
        assert after.exit_code == 0 and "still works" in after.output, (
            f"the executor must keep working after a bad filename, got {after}"
        )

    @pytest.mark.parametrize(
        "code",
        [
            "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe \\xed\\xb2\\x80 end\\n')",
            "print('lone \\udc80 surrogate')",
            "import sys\nsys.stdout.buffer.write(b'cut \\xe2\\x82')",
        ],
        ids=["invalid-utf8", "lone-surrogate", "truncated-sequence"],
    )
    async def test_undecodable_output_gives_valid_text(
        self, code_executor: CodeExecutor, code: str
    ) -> None:
        async with code_executor:
            result = await self._in(code_executor, code)
        try:
            result.output.encode("utf-8")
        except UnicodeEncodeError as exc:
            pytest.fail(
                f"the output must be valid text, it holds {exc.object[exc.start : exc.end]!r}"
            )
