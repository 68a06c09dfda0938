"""``LocalCommandLineCodeExecutor``: code blocks as subprocesses on this machine."""

from __future__ import annotations

import inspect
import logging
import os
import shutil
import sys
import tempfile
import weakref
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from retinue import CancellationToken, ConfigurationError
from retinue.code import (
    CodeBlock,
    CodeExecutor,
    CodeResult,
    CodeRuns,
    UnsafeFilenameError,
    join_outputs,
    write_block_file,
)

from ._languages import file_for_block, find_language, language_names
from ._process import run_command

__all__ = ["ApprovalFunc", "LocalCommandLineCodeExecutor", "LocalCommandLineCodeExecutorConfig"]

logger = logging.getLogger(__name__)

ApprovalVerdict = bool | tuple[bool, str]
ApprovalFunc = Callable[[Sequence[CodeBlock]], ApprovalVerdict | Awaitable[ApprovalVerdict]]
"""Decides whether blocks may run: ``True``/``False`` or ``(approved, reason)``, sync or async."""

TIMEOUT_EXIT_CODE = 124
DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024


class LocalCommandLineCodeExecutorConfig(BaseModel):
    """Declarative config of :class:`LocalCommandLineCodeExecutor`.

    ``approval_func`` is code, so it is not part of the config: set it again after loading.
    AutoGen's ``functions_module`` is accepted and ignored.
    """

    timeout: float = Field(60.0, gt=0, description="seconds a single block may run")
    work_dir: str | None = Field(None, description="directory to run in; a temp dir if unset")
    cleanup_temp_files: bool = Field(True, description="delete generated tmp_code_* files")
    virtual_env: str | None = Field(None, description="path of a virtual environment to use")
    max_output_bytes: int = Field(DEFAULT_MAX_OUTPUT_BYTES, gt=0)


class LocalCommandLineCodeExecutor(CodeExecutor):
    """Runs Python and shell code blocks as subprocesses in a working directory.

    Each block is written to a file in ``work_dir`` (a first line ``# filename: x.py`` names
    the file; a name outside ``work_dir``, or one that cannot be written, is refused with an
    exit-code-1 result) and run as a subprocess. On Linux a small supervisor process tracks
    every process the block starts, including ones that leave its process group; elsewhere
    the block's process group is tracked. Files persist between blocks. Blocks run in order
    and stop at the first failure; the result carries the combined stdout and stderr.

    * **timeout**: a block running longer than ``timeout`` seconds has its whole process
      tree stopped (SIGTERM, then SIGKILL) and yields exit code 124 with its partial output.
      Background processes a block leaves behind are stopped when it exits, too.
    * **output cap**: output beyond ``max_output_bytes`` is dropped with a marker; output
      that is not valid UTF-8 is decoded with replacement characters.
    * **virtual_env**: path of a virtual environment whose ``python`` and ``PATH`` are used.
    * **approval_func**: called with the blocks before anything runs; a refusal is a result
      with exit code 1 that says why.
    * **cancellation**: cancelling the token (or the awaiting task) stops the processes
      and raises :class:`retinue.CancelledError` (:class:`asyncio.CancelledError` for the
      task); stopping cannot be cut short by a second cancellation.
    * **work_dir**: must be a directory or creatable as one (checked when the executor is
      built); it is created again if it disappears between runs. When unset, a temporary
      directory is created on first use and removed by :meth:`stop` (or when the
      executor is garbage-collected).
    * **stop()**: stops the processes of runs still in progress (they return exit code 1
      saying so) before removing the temporary directory; the executor can be used again.

    Example::

        async with LocalCommandLineCodeExecutor(timeout=30) as executor:
            block = CodeBlock(code="print(1)", language="python")
            result = await executor.execute_code_blocks([block])
    """

    component_provider = "local"
    component_config_schema = LocalCommandLineCodeExecutorConfig
    component_ignored_keys = {
        "functions_module": "AutoGen names the module of its executor functions; "
        "retinue's executor takes no functions"
    }

    def __init__(
        self,
        timeout: float = 60.0,
        work_dir: str | os.PathLike[str] | None = None,
        *,
        cleanup_temp_files: bool = True,
        virtual_env: str | os.PathLike[str] | None = None,
        virtual_env_context: Any = None,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
        approval_func: ApprovalFunc | None = None,
    ) -> None:
        if not timeout > 0:
            raise ConfigurationError(
                f"LocalCommandLineCodeExecutor timeout must be a positive number of seconds, "
                f"got {timeout!r}"
            )
        if not max_output_bytes > 0:
            raise ConfigurationError(
                f"LocalCommandLineCodeExecutor max_output_bytes must be positive, "
                f"got {max_output_bytes!r}"
            )
        if virtual_env is None and virtual_env_context is not None:
            # AutoGen passes the namespace from venv.EnvBuilder.ensure_directories().
            virtual_env = virtual_env_context.env_dir
        self._timeout = float(timeout)
        self._given_work_dir = _check_work_dir(work_dir) if work_dir is not None else None
        self._temp_work_dir: Path | None = None
        self._remove_temp_work_dir: weakref.finalize[Any, Any] | None = None
        self._runs = CodeRuns()
        self._cleanup_temp_files = cleanup_temp_files
        self._virtual_env = _check_virtual_env(Path(virtual_env)) if virtual_env else None
        self._max_output_bytes = max_output_bytes
        self.approval_func = approval_func

    @property
    def timeout(self) -> float:
        """Seconds one block may run."""
        return self._timeout

    @property
    def work_dir(self) -> Path:
        """The directory blocks run in, created (again) if it does not exist.

        Raises:
            retinue.ConfigurationError: the directory cannot be created.
        """
        if self._given_work_dir is not None:
            return _ensure_dir(self._given_work_dir)
        if self._temp_work_dir is None:
            self._temp_work_dir = Path(tempfile.mkdtemp(prefix="retinue-local-"))
            # Removed at stop(), or when the executor is collected if nobody stops it.
            self._remove_temp_work_dir = weakref.finalize(
                self, shutil.rmtree, self._temp_work_dir, ignore_errors=True
            )
        return _ensure_dir(self._temp_work_dir)

    @property
    def supported_languages(self) -> list[str]:
        """Language names this executor runs here (PowerShell only where installed)."""
        return language_names(self._environment()["PATH"])

    async def start(self) -> None:
        self.work_dir  # noqa: B018 - creating the directory is the point

    async def stop(self) -> None:
        """Stop the processes of runs in progress, then remove the temporary work dir."""
        await self._runs.stop()
        if self._remove_temp_work_dir is not None:
            self._remove_temp_work_dir()
            self._remove_temp_work_dir = None
            self._temp_work_dir = None

    async def execute_code_blocks(
        self, code_blocks: Sequence[CodeBlock], cancellation_token: CancellationToken | None = None
    ) -> CodeResult:
        """Run ``code_blocks`` in order, stopping at the first failure.

        A problem with the code itself (an unusable ``# filename:``, an unknown language,
        a crash, a timeout) is a result with a non-zero exit code, never an exception.

        Raises:
            retinue.CancelledError: ``cancellation_token`` was cancelled; the running
                processes have been stopped.
        """
        return await self._runs.run(self._run_approved(code_blocks), cancellation_token)

    async def _run_approved(self, code_blocks: Sequence[CodeBlock]) -> CodeResult:
        if self.approval_func is not None:
            approved, reason = await _ask(self.approval_func, code_blocks)
            if not approved:
                why = f": {reason}" if reason else ""
                logger.info("code execution was not approved%s", why)
                return CodeResult(exit_code=1, output=f"Code execution was not approved{why}")
        return await self._run_blocks(code_blocks)

    async def _run_blocks(self, code_blocks: Sequence[CodeBlock]) -> CodeResult:
        if not code_blocks:
            return CodeResult(exit_code=0, output="")
        try:
            work_dir = self.work_dir
        except ConfigurationError as exc:
            return CodeResult(exit_code=1, output=f"Error: {exc}")
        outputs: list[str] = []
        code_file: Path | None = None
        temp_files: list[Path] = []
        exit_code = 0
        try:
            for block in code_blocks:
                exit_code, output, code_file = await self._run_block(block, work_dir, temp_files)
                outputs.append(output)
                if exit_code != 0:
                    break
        finally:
            if self._cleanup_temp_files:
                for path in temp_files:
                    path.unlink(missing_ok=True)
                if code_file in temp_files:
                    code_file = None  # do not point the caller at a deleted file
        return CodeResult(
            exit_code=exit_code,
            output=join_outputs(outputs),
            code_file=str(code_file) if code_file is not None else None,
        )

    async def _run_block(
        self, block: CodeBlock, work_dir: Path, temp_files: list[Path]
    ) -> tuple[int, str, Path | None]:
        env = self._environment()
        language = find_language(block.language, env["PATH"])
        if language is None:
            supported = ", ".join(language_names(env["PATH"]))
            return (
                1,
                f"Unsupported language {block.language!r}: this executor runs {supported}.",
                None,
            )
        try:
            path, named = file_for_block(block.code, language, work_dir)
            if not named:
                temp_files.append(path)
            shown = os.path.relpath(path.resolve(), work_dir.resolve())
            write_block_file(path, block.code, shown)
        except UnsafeFilenameError as exc:
            return 1, f"Error: {exc}", None
        program = self._python() if language.program == "python" else language.program
        outcome = await run_command(
            [program, *language.flags, str(path)],
            cwd=work_dir,
            env=env,
            timeout=self._timeout,
            max_output_bytes=self._max_output_bytes,
        )
        if outcome.timed_out:
            notice = f"\nTimeout: the code ran longer than {self._timeout:g} s and was stopped"
            return TIMEOUT_EXIT_CODE, outcome.output + notice, path
        return outcome.exit_code, outcome.output, path

    def _python(self) -> str:
        if self._virtual_env is not None:
            return str(_venv_python(self._virtual_env))
        return sys.executable

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # Unbuffered, so a program stopped on timeout still shows what it printed.
        env["PYTHONUNBUFFERED"] = "1"
        if self._virtual_env is not None:
            env["VIRTUAL_ENV"] = str(self._virtual_env)
            bin_dir = str(_venv_python(self._virtual_env).parent)
            env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", os.defpath)])
            env.pop("PYTHONHOME", None)
        env.setdefault("PATH", os.defpath)
        return env

    def _to_config(self) -> LocalCommandLineCodeExecutorConfig:
        return LocalCommandLineCodeExecutorConfig(
            timeout=self._timeout,
            work_dir=str(self._given_work_dir) if self._given_work_dir is not None else None,
            cleanup_temp_files=self._cleanup_temp_files,
            virtual_env=str(self._virtual_env) if self._virtual_env is not None else None,
            max_output_bytes=self._max_output_bytes,
        )

    @classmethod
    def _from_config(
        cls, config: LocalCommandLineCodeExecutorConfig
    ) -> LocalCommandLineCodeExecutor:
        return cls(
            timeout=config.timeout,
            work_dir=config.work_dir,
            cleanup_temp_files=config.cleanup_temp_files,
            virtual_env=config.virtual_env,
            max_output_bytes=config.max_output_bytes,
        )


async def _ask(approval_func: ApprovalFunc, code_blocks: Sequence[CodeBlock]) -> tuple[bool, str]:
    verdict = approval_func(code_blocks)
    if inspect.isawaitable(verdict):
        verdict = await verdict
    if isinstance(verdict, tuple) and len(verdict) == 2:
        approved, reason = verdict
        return bool(approved), str(reason)
    if isinstance(verdict, bool):
        return verdict, ""
    raise ConfigurationError(
        f"approval_func must return a bool or (bool, reason), got {verdict!r:.80}; "
        "fix the function passed as approval_func"
    )


def _check_work_dir(work_dir: str | os.PathLike[str]) -> Path:
    """``work_dir`` as a Path, if it is a directory or could be created as one."""
    text = os.fspath(work_dir)
    shown = f"{text!r:.200}"
    if not text or "\0" in text:
        raise ConfigurationError(
            f"work_dir {shown} is not a usable path (empty or holding a NUL character); "
            "pass the path of a directory, or leave work_dir unset for a temporary one"
        )
    path = Path(text)
    existing = next((p for p in (path, *path.parents) if os.path.lexists(p)), None)
    if existing is not None and not existing.is_dir():
        where = "is" if existing == path else f"lies under {str(existing)!r:.200}, which is"
        raise ConfigurationError(
            f"work_dir {shown} {where} not a directory; pass the path of a directory "
            "(it is created if missing), or leave work_dir unset for a temporary one"
        )
    return path


def _ensure_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"work_dir {str(path)!r:.200} cannot be created ({exc.strerror or exc}); "
            "pass a directory this process can write to"
        ) from None
    return path


def _venv_python(env_dir: Path) -> Path:
    if os.name == "nt":  # pragma: no cover - Windows layout
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


def _check_virtual_env(env_dir: Path) -> Path:
    if not _venv_python(env_dir).exists():
        raise ConfigurationError(
            f"virtual_env {str(env_dir)!r} has no {_venv_python(env_dir).relative_to(env_dir)}; "
            f"create it first with 'python -m venv {env_dir}' or pass the right path"
        )
    return env_dir.absolute()
