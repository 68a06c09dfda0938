"""The local executor leaves no process behind and turns bad input into results, not crashes."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from retinue import ConfigurationError, load_component
from retinue.code import CodeBlock
from retinue.testing._registry import isolated_registry
from retinue_local import LocalCommandLineCodeExecutor, _process, plugin

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the supervisor tracks descendants on Linux"
)


def py(code: str) -> CodeBlock:
    return CodeBlock(code=code, language="python")


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "Z" not in state.split()[1]


async def _gone(pid: int) -> bool:
    # The kernel may take a moment to tear a killed process down.
    for _ in range(200):
        if not _alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.fixture
def pids() -> Iterator[list[int]]:
    """Pids a test started; any still alive at the end is killed, so a failure leaks nothing."""
    started: list[int] = []
    yield started
    for pid in started:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


async def _read_pid(path: Path) -> int:
    for _ in range(400):
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path.name} was never written")


# A grandchild that leaves the block's session and process group, the way a daemon does.
_DETACHED = (
    "import os, subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'import os, time\\n"
    'open("detached.pid", "w").write(str(os.getpid()))\\ntime.sleep(300)\'],'
    " start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
)
# One that forks twice and lets its parent exit, so it is orphaned as well as detached.
_DOUBLE_FORKED = (
    "import os, time\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        open('daemon.pid', 'w').write(str(os.getpid()))\n"
    "        time.sleep(300)\n"
    "    os._exit(0)\n"
)


@linux_only
async def test_timeout_kills_a_grandchild_that_left_the_process_group(
    tmp_path: Path, pids: list[int]
) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=2, work_dir=tmp_path)
    code = _DETACHED + "while not os.path.exists('detached.pid'):\n    time.sleep(0.05)\n"
    code += "time.sleep(300)\n"
    result = await asyncio.wait_for(executor.execute_code_blocks([py(code)]), 60)
    pids.append(int((tmp_path / "detached.pid").read_text()))
    assert result.exit_code == 124
    assert await _gone(pids[0]), "a setsid grandchild survived the timeout"


@linux_only
async def test_a_double_forked_daemon_is_stopped_when_the_block_ends(
    tmp_path: Path, pids: list[int]
) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=30, work_dir=tmp_path)
    code = _DOUBLE_FORKED + "while not os.path.exists('daemon.pid'):\n    time.sleep(0.05)\n"
    result = await asyncio.wait_for(executor.execute_code_blocks([py(code)]), 60)
    pids.append(int((tmp_path / "daemon.pid").read_text()))
    assert result.exit_code == 0, result.output
    assert await _gone(pids[0]), "a double-forked daemon outlived its block"


@linux_only
async def test_code_that_kills_its_own_session_still_gets_a_result(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=30, work_dir=tmp_path)
    block = CodeBlock(code="echo before\nkill -TERM 0\necho after", language="sh")
    result = await asyncio.wait_for(executor.execute_code_blocks([block]), 60)
    assert result.exit_code == 128 + signal.SIGTERM
    assert result.output == "before\n"


_IGNORES_SIGTERM = (
    "import os, signal, time\n"
    "def note(*_):\n"
    "    open('got-sigterm', 'w').close()\n"
    "signal.signal(signal.SIGTERM, note)\n"
    "open('code.pid', 'w').write(str(os.getpid()))\n"
    "while True:\n"
    "    time.sleep(0.1)\n"
)


@pytest.fixture(params=["supervised", "process-group"])
def tracking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of tracking processes: the supervisor, and the fallback used off Linux."""
    if request.param == "process-group":
        monkeypatch.setattr(_process, "_supervisor_argv", lambda: None)
    elif not sys.platform.startswith("linux"):
        pytest.skip("the supervisor runs on Linux only")
    return str(request.param)


async def test_a_second_cancellation_during_the_grace_period_still_kills(
    tmp_path: Path, pids: list[int], tracking: str
) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=300, work_dir=tmp_path)
    run = asyncio.ensure_future(executor.execute_code_blocks([py(_IGNORES_SIGTERM)]))
    pids.append(await _read_pid(tmp_path / "code.pid"))
    run.cancel()
    await _read_pid(tmp_path / "code.pid")  # still running: it ignores SIGTERM
    for _ in range(400):
        if (tmp_path / "got-sigterm").exists():
            break
        await asyncio.sleep(0.05)
    assert (tmp_path / "got-sigterm").exists(), "the first cancellation sent no SIGTERM"
    run.cancel()  # inside the grace period: must not cut the termination short
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(run, 60)
    assert await _gone(pids[0]), f"{tracking}: SIGKILL never came after a second cancellation"


@pytest.mark.parametrize(
    ("first_line", "complaint"),
    [
        ("# filename: pkg", "it is a directory"),
        ("# filename: " + "n" * 300 + ".py", "file name too long"),
        ("# filename: " + "/".join(["d" * 200] * 30) + "/x.py", "file name too long"),
        ("# filename: a\0b.py", "NUL"),
        ("# filename: notes.txt/x.py", "not a directory"),
        ("# filename: ../escape.py", "outside the working directory"),
    ],
    ids=["directory", "long-name", "long-path", "nul", "under-a-file", "escape"],
)
async def test_an_unusable_filename_is_an_exit_code_one_result(
    tmp_path: Path, first_line: str, complaint: str
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "notes.txt").write_text("a file")
    executor = LocalCommandLineCodeExecutor(timeout=30, work_dir=tmp_path)
    result = await executor.execute_code_blocks([py(first_line + "\nprint('ran')")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and complaint in result.output, result.output
    assert "ran" not in result.output
    assert len(result.output) < 600, "the echoed name must be bounded"
    assert not (tmp_path.parent / "escape.py").exists()
    assert (await executor.execute_code_blocks([py("print('still works')")])).exit_code == 0


async def test_a_lone_surrogate_in_the_code_is_a_result(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=30, work_dir=tmp_path)
    result = await executor.execute_code_blocks([py("print('\udc80')")])
    assert result.exit_code == 1
    assert "SyntaxError" in result.output
    result.output.encode("utf-8")  # valid text
    named = await executor.execute_code_blocks([py("# filename: s.py\nprint('\ud800')")])
    assert named.exit_code == 1 and "SyntaxError" in named.output


async def test_undecodable_output_becomes_valid_text(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=30, work_dir=tmp_path)
    code = "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe \\xed\\xb2\\x80 end\\n')"
    result = await executor.execute_code_blocks([py(code)])
    assert result.exit_code == 0
    assert result.output.startswith("ok ") and result.output.endswith(" end\n")
    result.output.encode("utf-8")


async def test_a_flood_from_a_background_process_is_capped(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=30, work_dir=tmp_path, max_output_bytes=500)
    block = CodeBlock(code="yes flood &\nsleep 1\necho done", language="sh")
    result = await asyncio.wait_for(executor.execute_code_blocks([block]), 60)
    assert result.exit_code == 0
    assert "[output truncated: the code printed more than 500 bytes;" in result.output
    assert len(result.output) < 700


@pytest.mark.parametrize(
    ("make", "complaint"),
    [
        (lambda tmp: tmp / "file.txt", "is not a directory"),
        (lambda tmp: tmp / "file.txt" / "sub", "lies under"),
        (lambda tmp: str(tmp / "a\0b"), "NUL"),
    ],
    ids=["a-file", "under-a-file", "nul"],
)
def test_a_work_dir_that_cannot_be_a_directory_is_refused_when_built(
    tmp_path: Path, make: object, complaint: str
) -> None:
    (tmp_path / "file.txt").write_text("x")
    work_dir = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(ConfigurationError, match=complaint) as caught:
        LocalCommandLineCodeExecutor(work_dir=work_dir)
    assert "pass the path of a directory" in str(caught.value)
    spec = {"provider": "local", "config": {"work_dir": str(work_dir)}}
    with pytest.raises(ConfigurationError, match=complaint):
        load_component(spec, registry=isolated_registry(plugin))


async def test_a_work_dir_removed_between_runs_is_created_again(tmp_path: Path) -> None:
    given = LocalCommandLineCodeExecutor(timeout=30, work_dir=tmp_path / "work")
    temp = LocalCommandLineCodeExecutor(timeout=30)
    for executor in (given, temp):
        assert (await executor.execute_code_blocks([py("print(1)")])).exit_code == 0
        executor.work_dir.rmdir()
        result = await executor.execute_code_blocks([py("print(2)")])
        assert (result.exit_code, result.output) == (0, "2\n")
        await executor.stop()


async def test_a_work_dir_that_cannot_be_created_at_run_time_is_a_result(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=30, work_dir=tmp_path / "work")
    (tmp_path / "work").write_text("became a file")
    result = await executor.execute_code_blocks([py("print(1)")])
    assert result.exit_code == 1
    assert "cannot be created" in result.output and "work" in result.output


async def test_stop_during_a_run_stops_its_processes_and_removes_the_temp_dir(
    pids: list[int],
) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=300)
    await executor.start()
    work_dir = executor.work_dir
    run = asyncio.ensure_future(executor.execute_code_blocks([py(_IGNORES_SIGTERM)]))
    pids.append(await _read_pid(work_dir / "code.pid"))
    await asyncio.wait_for(executor.stop(), 60)
    result = await asyncio.wait_for(run, 60)
    assert result.exit_code == 1 and result.output.startswith("Stopped: the executor was stopped")
    assert await _gone(pids[0])
    assert not work_dir.exists()


async def test_restart_during_a_run_gives_a_fresh_usable_executor(pids: list[int]) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=300)
    run = asyncio.ensure_future(executor.execute_code_blocks([py(_IGNORES_SIGTERM)]))
    first_dir = executor.work_dir
    pids.append(await _read_pid(first_dir / "code.pid"))
    await asyncio.wait_for(executor.restart(), 60)
    assert (await asyncio.wait_for(run, 60)).exit_code == 1
    assert await _gone(pids[0])
    result = await executor.execute_code_blocks([py("print('again')")])
    assert result.output == "again\n"
    second_dir = executor.work_dir
    assert second_dir != first_dir and not first_dir.exists()
    await executor.stop()
    assert not second_dir.exists()


async def test_an_executor_used_after_stop_cleans_up_again() -> None:
    executor = LocalCommandLineCodeExecutor(timeout=30)
    await executor.stop()
    assert (await executor.execute_code_blocks([py("print(1)")])).output == "1\n"
    work_dir = executor.work_dir
    await executor.stop()
    assert not work_dir.exists()


async def test_a_temp_work_dir_is_removed_when_the_executor_is_never_stopped() -> None:
    executor = LocalCommandLineCodeExecutor(timeout=30)
    assert (await executor.execute_code_blocks([py("print(1)")])).exit_code == 0
    work_dir = executor.work_dir
    del executor
    gc.collect()
    assert not work_dir.exists(), "an executor nobody stopped left its temp dir behind"


async def test_an_empty_run_creates_no_temp_dir() -> None:
    executor = LocalCommandLineCodeExecutor(timeout=30)
    assert (await executor.execute_code_blocks([])).exit_code == 0
    assert executor._temp_work_dir is None
