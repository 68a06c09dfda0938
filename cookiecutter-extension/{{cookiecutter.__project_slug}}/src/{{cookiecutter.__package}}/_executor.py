"""A code executor that runs Python and shell blocks in a subprocess of this machine.

It isolates nothing: use it for trusted code, or replace ``_run_one`` with a call
to your sandbox.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from pydantic import BaseModel
from retinue import CancellationToken, CancelledError, CodeExecutionError
from retinue.code import CodeBlock, CodeExecutor, CodeResult

__all__ = ["{{ cookiecutter.__class_prefix }}CodeExecutor", "{{ cookiecutter.__class_prefix }}CodeExecutorConfig"]

_COMMANDS = {"python": [sys.executable, "-c"], "sh": ["sh", "-c"], "bash": ["sh", "-c"]}
_TIMEOUT_EXIT_CODE = 124


class {{ cookiecutter.__class_prefix }}CodeExecutorConfig(BaseModel):
    """Configuration of :class:`{{ cookiecutter.__class_prefix }}CodeExecutor`."""

    timeout: float = 60.0


class {{ cookiecutter.__class_prefix }}CodeExecutor(CodeExecutor):
    """Runs each block with ``python -c`` or ``sh -c``; stops at the first failing block."""

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = {{ cookiecutter.__class_prefix }}CodeExecutorConfig

    def __init__(self, timeout: float = 60.0) -> None:
        if timeout <= 0:
            raise CodeExecutionError(f"timeout must be positive, got {timeout}")
        self._timeout = timeout

    async def execute_code_blocks(
        self, code_blocks: Sequence[CodeBlock], cancellation_token: CancellationToken | None = None
    ) -> CodeResult:
        outputs: list[str] = []
        for block in code_blocks:
            if cancellation_token is not None and cancellation_token.is_cancelled():
                raise CancelledError("code execution was cancelled")
            if "\0" in block.code:  # a program argument cannot hold one
                outputs.append("the code holds a NUL character; remove it and run it again")
                return CodeResult(exit_code=1, output="\n".join(outputs))
            command = _COMMANDS.get(block.language.lower())
            if command is None:
                outputs.append(
                    f"unsupported language {block.language!r}; use one of {sorted(_COMMANDS)}"
                )
                return CodeResult(exit_code=1, output="\n".join(outputs))
            exit_code, output = await self._run_one(command, block.code, cancellation_token)
            outputs.append(output)
            if exit_code != 0:
                return CodeResult(exit_code=exit_code, output="\n".join(outputs))
        return CodeResult(exit_code=0, output="\n".join(outputs))

    async def _run_one(
        self, command: list[str], code: str, cancellation_token: CancellationToken | None
    ) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            *command,
            code,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        waiter = asyncio.ensure_future(asyncio.wait_for(process.communicate(), self._timeout))
        if cancellation_token is not None:
            cancellation_token.link_future(waiter)
        try:
            stdout, _ = await waiter
        except asyncio.TimeoutError:
            await self._kill(process)
            return _TIMEOUT_EXIT_CODE, f"timed out after {self._timeout} seconds"
        except asyncio.CancelledError:
            await self._kill(process)
            if cancellation_token is not None and cancellation_token.is_cancelled():
                raise CancelledError("code execution was cancelled") from None
            raise
        return process.returncode or 0, stdout.decode(errors="replace")

    @staticmethod
    async def _kill(process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            process.kill()
            await process.wait()

    def _to_config(self) -> {{ cookiecutter.__class_prefix }}CodeExecutorConfig:
        return {{ cookiecutter.__class_prefix }}CodeExecutorConfig(timeout=self._timeout)

    @classmethod
    def _from_config(
        cls, config: {{ cookiecutter.__class_prefix }}CodeExecutorConfig
    ) -> {{ cookiecutter.__class_prefix }}CodeExecutor:
        return cls(timeout=config.timeout)
