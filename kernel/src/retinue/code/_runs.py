"""The runs of an executor in progress, and how their outputs are joined: the parts of
``execute_code_blocks`` that every executor shares."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any

from .._errors import CancelledError
from ..cancellation import CancellationToken
from ._types import CodeResult

__all__ = ["CodeRuns", "join_outputs", "raise_if_cancelled"]


def raise_if_cancelled(cancellation_token: CancellationToken | None) -> None:
    """Raise :class:`retinue.CancelledError` if ``cancellation_token`` is already cancelled,
    before any work (starting a container, say) is done for a run."""
    if cancellation_token is not None and cancellation_token.is_cancelled():
        raise CancelledError("code execution was cancelled before it started")


class CodeRuns:
    """The runs in progress of one executor, each a task of its own.

    An executor's ``execute_code_blocks`` hands its work to :meth:`run`, and its
    ``stop()`` calls :meth:`stop`. The caller's cancellation token, the caller's own
    cancellation and :meth:`stop` each cancel one run (or all) alone, and the run's
    cleanup (stopping its processes) always finishes before the caller hears of it:

    * the token cancelled: :class:`retinue.CancelledError` saying so and ``on_cancel``;
    * the awaiting task cancelled: :class:`asyncio.CancelledError`;
    * :meth:`stop`: a result with exit code 1 saying the executor was stopped, and
      ``on_cancel`` (what became of the code).

    Example::

        async def execute_code_blocks(self, code_blocks, cancellation_token=None):
            return await self._runs.run(self._run_blocks(code_blocks), cancellation_token)
    """

    def __init__(self, on_cancel: str = "its processes were stopped") -> None:
        self._on_cancel = on_cancel
        self._runs: set[asyncio.Future[CodeResult]] = set()
        self._stopped: set[asyncio.Future[CodeResult]] = set()

    async def run(
        self,
        work: Coroutine[Any, Any, CodeResult],
        cancellation_token: CancellationToken | None,
    ) -> CodeResult:
        """Run ``work`` as a task of its own, cancelled by ``cancellation_token`` or :meth:`stop`.

        Raises:
            retinue.CancelledError: ``cancellation_token`` was (or already is) cancelled.
        """
        try:
            raise_if_cancelled(cancellation_token)
        except CancelledError:
            work.close()  # never started: no "coroutine was never awaited" warning
            raise
        run = asyncio.ensure_future(work)
        self._runs.add(run)
        if cancellation_token is not None:
            cancellation_token.link_future(run)
        try:
            return await run
        except asyncio.CancelledError:
            if cancellation_token is not None and cancellation_token.is_cancelled():
                raise CancelledError(f"code execution was cancelled; {self._on_cancel}") from None
            if run in self._stopped:
                stopped = f"Stopped: the executor was stopped while the code ran; {self._on_cancel}"
                return CodeResult(exit_code=1, output=stopped)
            raise
        finally:
            self._runs.discard(run)
            self._stopped.discard(run)

    async def stop(self) -> None:
        """Cancel every run in progress and wait until each has cleaned up."""
        runs = list(self._runs)
        for run in runs:
            self._stopped.add(run)
            run.cancel()
        if runs:
            await asyncio.wait(runs)


def join_outputs(outputs: Iterable[str]) -> str:
    """The outputs of consecutive blocks as one text, each starting on a line of its own."""
    text = ""
    for output in outputs:
        if text and not text.endswith("\n"):
            text += "\n"
        text += output
    return text
