"""Behaviour of LocalCommandLineCodeExecutor with real subprocesses."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from retinue import CancellationToken, CancelledError, ConfigurationError
from retinue.code import CodeBlock
from retinue_local import LocalCommandLineCodeExecutor


def py(code: str) -> CodeBlock:
    return CodeBlock(code=code, language="python")


def sh(code: str) -> CodeBlock:
    return CodeBlock(code=code, language="sh")


@pytest.fixture
async def executor(tmp_path: Path) -> AsyncIterator[LocalCommandLineCodeExecutor]:
    async with LocalCommandLineCodeExecutor(timeout=20, work_dir=tmp_path) as ex:
        yield ex


def _process_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (absent, or a zombie waiting to be reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "Z" in state.split()[1]


async def _wait_gone(pid: int) -> bool:
    # The kill is synchronous, but the kernel may take a moment to tear a process down.
    for _ in range(100):
        if _process_gone(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_python_and_shell_blocks_share_output(executor: LocalCommandLineCodeExecutor) -> None:
    result = await executor.execute_code_blocks(
        [
            py("print('from python')"),
            sh("echo from shell"),
            CodeBlock(code="echo b", language="bash"),
        ]
    )
    assert result.exit_code == 0
    assert result.output == "from python\nfrom shell\nb\n"


async def test_files_persist_between_blocks(executor: LocalCommandLineCodeExecutor) -> None:
    await executor.execute_code_blocks([py("open('data.txt', 'w').write('kept')")])
    result = await executor.execute_code_blocks([sh("cat data.txt")])
    assert result.output == "kept"
    assert (executor.work_dir / "data.txt").read_text() == "kept"


async def test_stops_at_first_failing_block(executor: LocalCommandLineCodeExecutor) -> None:
    result = await executor.execute_code_blocks(
        [sh("echo one"), sh("echo two; exit 3"), sh("echo three > never.txt")]
    )
    assert result.exit_code == 3
    assert result.output == "one\ntwo\n"
    assert not (executor.work_dir / "never.txt").exists()


async def test_syntax_error_is_exit_code_one_with_traceback(
    executor: LocalCommandLineCodeExecutor,
) -> None:
    result = await executor.execute_code_blocks([py("print('x'")])
    assert result.exit_code == 1
    assert "SyntaxError" in result.output


async def test_exception_reports_traceback(executor: LocalCommandLineCodeExecutor) -> None:
    result = await executor.execute_code_blocks([py("raise KeyError('missing')")])
    assert result.exit_code == 1
    assert "Traceback" in result.output and "KeyError: 'missing'" in result.output


async def test_unsupported_language_is_a_result_listing_languages(
    executor: LocalCommandLineCodeExecutor,
) -> None:
    result = await executor.execute_code_blocks([CodeBlock(code="x", language="cobol")])
    assert result.exit_code == 1
    assert "Unsupported language 'cobol'" in result.output
    assert "python" in result.output and "sh" in result.output
    # the executor still works afterwards
    assert (await executor.execute_code_blocks([py("print(2)")])).output == "2\n"


async def test_filename_line_names_the_file(executor: LocalCommandLineCodeExecutor) -> None:
    code = "# filename: pkg/hello.py\nprint('hi')\n"
    result = await executor.execute_code_blocks([py(code)])
    assert result.exit_code == 0
    assert result.code_file == str((executor.work_dir / "pkg" / "hello.py").resolve())
    assert (executor.work_dir / "pkg" / "hello.py").read_text() == code


@pytest.mark.parametrize("name", ["../escape.py", "/etc/evil.py", "a/../../b.py"])
async def test_filename_outside_work_dir_is_refused(
    executor: LocalCommandLineCodeExecutor, name: str
) -> None:
    result = await executor.execute_code_blocks([py(f"# filename: {name}\nprint('no')")])
    assert result.exit_code == 1
    assert "outside the working directory" in result.output
    assert name in result.output
    assert not (executor.work_dir.parent / "escape.py").exists()


async def test_temp_files_are_cleaned_up(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path)
    result = await executor.execute_code_blocks([py("print(1)")])
    assert result.code_file is None
    assert list(tmp_path.glob("tmp_code_*")) == []
    keeping = LocalCommandLineCodeExecutor(work_dir=tmp_path, cleanup_temp_files=False)
    result = await keeping.execute_code_blocks([py("print(1)")])
    assert result.code_file is not None and Path(result.code_file).exists()


async def test_default_work_dir_is_a_temp_dir_removed_at_stop() -> None:
    executor = LocalCommandLineCodeExecutor()
    await executor.start()
    work_dir = executor.work_dir
    await executor.execute_code_blocks([py("open('f', 'w').write('x')")])
    assert (work_dir / "f").exists()
    await executor.stop()
    assert not work_dir.exists()


async def test_timeout_kills_the_whole_process_tree(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=1, work_dir=tmp_path)
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen(['sleep', '300'])\n"
        "open('grandchild.pid', 'w').write(str(child.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(300)\n"
    )
    result = await executor.execute_code_blocks([py(code)])
    assert result.exit_code == 124
    assert result.output.startswith("started\n")
    assert result.output.endswith("\nTimeout: the code ran longer than 1 s and was stopped")
    grandchild = int((tmp_path / "grandchild.pid").read_text())
    assert await _wait_gone(grandchild)


async def test_background_process_left_by_a_block_is_stopped(
    executor: LocalCommandLineCodeExecutor,
) -> None:
    result = await executor.execute_code_blocks([sh("sleep 300 &\necho $! > bg.pid\necho done")])
    assert result.exit_code == 0 and result.output == "done\n"
    assert await _wait_gone(int((executor.work_dir / "bg.pid").read_text()))


async def test_process_ignoring_sigterm_is_killed(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=1, work_dir=tmp_path)
    code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(300)\n"
    result = await executor.execute_code_blocks([py(code)])
    assert result.exit_code == 124


async def test_huge_output_is_capped_without_deadlock(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path, max_output_bytes=1000)
    # 20 MB is far beyond any pipe buffer: the child would block forever if we stopped reading.
    result = await executor.execute_code_blocks(
        [py("import sys\nsys.stdout.write('x' * 20_000_000)\nprint('end')")]
    )
    assert result.exit_code == 0
    assert result.output.startswith("x" * 1000)
    assert "[output truncated: the code printed more than 1000 bytes;" in result.output
    assert len(result.output) < 1200


async def test_cancellation_stops_the_process_and_raises(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(timeout=300, work_dir=tmp_path)
    token = CancellationToken()
    code = (
        "import subprocess, time\n"
        "child = subprocess.Popen(['sleep', '300'])\n"
        "open('grandchild.pid', 'w').write(str(child.pid))\n"
        "time.sleep(300)\n"
    )
    run = asyncio.ensure_future(executor.execute_code_blocks([py(code)], token))
    pid_file = tmp_path / "grandchild.pid"
    while not pid_file.exists() or not pid_file.read_text():
        await asyncio.sleep(0.05)
    token.cancel()
    with pytest.raises(CancelledError, match="cancelled"):
        await run
    assert await _wait_gone(int(pid_file.read_text()))
    # the executor keeps working
    assert (await executor.execute_code_blocks([py("print('ok')")])).output == "ok\n"


async def test_already_cancelled_token_runs_nothing(executor: LocalCommandLineCodeExecutor) -> None:
    token = CancellationToken()
    token.cancel()
    with pytest.raises(CancelledError):
        await executor.execute_code_blocks([py("open('ran', 'w')")], token)
    assert not (executor.work_dir / "ran").exists()


async def test_approval_refusal_with_reason_runs_nothing(tmp_path: Path) -> None:
    seen: list[Sequence[CodeBlock]] = []

    async def refuse(blocks: Sequence[CodeBlock]) -> tuple[bool, str]:
        seen.append(blocks)
        return False, "network access is not allowed"

    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path, approval_func=refuse)
    blocks = [py("open('ran', 'w')")]
    result = await executor.execute_code_blocks(blocks)
    assert result.exit_code == 1
    assert result.output == "Code execution was not approved: network access is not allowed"
    assert seen == [blocks]
    assert not (tmp_path / "ran").exists()


async def test_sync_approval_true_runs_code(tmp_path: Path) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path, approval_func=lambda blocks: True)
    assert (await executor.execute_code_blocks([py("print(5)")])).output == "5\n"


@pytest.mark.parametrize("verdict", ["yes", (True, "ok", "extra"), (True,)])
async def test_approval_func_with_wrong_return_type_is_a_clear_error(
    tmp_path: Path, verdict: object
) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path, approval_func=lambda b: verdict)  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigurationError, match="approval_func must return a bool"):
        await executor.execute_code_blocks([py("print(5)")])
    assert not list(tmp_path.iterdir())  # nothing ran
    executor.approval_func = lambda b: True
    assert (await executor.execute_code_blocks([py("print(5)")])).output == "5\n"


async def test_virtual_env_python_and_path_are_used(tmp_path: Path) -> None:
    venv_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv_dir)], check=True)
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path / "work", virtual_env=venv_dir)
    result = await executor.execute_code_blocks(
        [py("import sys\nprint(sys.prefix)"), sh('echo "$VIRTUAL_ENV"\ncommand -v python')]
    )
    assert result.exit_code == 0
    prefix, virtual_env, python = result.output.splitlines()
    assert Path(prefix).resolve() == venv_dir.resolve()
    assert Path(virtual_env).resolve() == venv_dir.resolve()
    assert Path(python).parent.resolve() == (venv_dir / "bin").resolve()


def test_missing_virtual_env_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"virtual_env .*nope.*python -m venv"):
        LocalCommandLineCodeExecutor(virtual_env=tmp_path / "nope")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout": 0}, "timeout must be a positive"),
        ({"max_output_bytes": -1}, "max_output_bytes"),
    ],
)
def test_bad_settings_are_clear_errors(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        LocalCommandLineCodeExecutor(**kwargs)  # type: ignore[arg-type]


async def test_empty_block_list_succeeds_with_no_output(
    executor: LocalCommandLineCodeExecutor,
) -> None:
    result = await executor.execute_code_blocks([])
    assert result.exit_code == 0 and result.output == ""


async def test_environment_is_inherited(
    executor: LocalCommandLineCodeExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETINUE_LOCAL_TEST_VALUE", "visible")
    result = await executor.execute_code_blocks([sh('printf "%s" "$RETINUE_LOCAL_TEST_VALUE"')])
    assert result.output == "visible"
    assert os.environ["RETINUE_LOCAL_TEST_VALUE"] == "visible"
