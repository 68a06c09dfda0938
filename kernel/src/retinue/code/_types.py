"""Code-execution contract: blocks of code in, exit code and output out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..cancellation import CancellationToken
from ..components import Component

__all__ = ["CodeBlock", "CodeExecutor", "CodeResult"]


class CodeBlock(BaseModel):
    """A piece of code and its language (``python``, ``sh``, ...)."""

    model_config = ConfigDict(defer_build=True)

    code: str
    language: str


class CodeResult(BaseModel):
    """Exit code and combined output of running code blocks.

    ``exit_code`` 0 means success; executors use 124 for a timeout, like ``timeout(1)``.
    """

    model_config = ConfigDict(defer_build=True)

    exit_code: int
    output: str
    code_file: str | None = None


class CodeExecutor(Component[Any], ABC):
    """Runs code blocks in order and stops at the first that fails.

    A failing program is a result, not an exception: its ``exit_code`` and output
    (syntax errors, tracebacks, a timeout notice) go back to the agent.
    """

    component_kind = "code_executor"

    @abstractmethod
    async def execute_code_blocks(
        self, code_blocks: Sequence[CodeBlock], cancellation_token: CancellationToken | None = None
    ) -> CodeResult: ...

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def __aenter__(self) -> CodeExecutor:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
