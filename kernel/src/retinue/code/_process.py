"""Pieces every executor that runs processes needs: capped output, cleanup that finishes,
and the supervisor script that stops a command's whole process tree."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path

__all__ = ["SUPERVISOR_SCRIPT", "CappedOutput", "uninterruptible"]

SUPERVISOR_SCRIPT = Path(__file__).with_name("_supervisor.py")
"""A stand-alone, standard-library-only Python script (Linux) that runs a command so that
none of its descendants outlives it: ``python -I -S SUPERVISOR_SCRIPT GRACE PARENT_PID
PROGRAM [ARGS...]``. Its docstring says how; executors run it locally or in a container."""


class CappedOutput:
    """Keeps the first ``limit`` bytes fed to it and counts the rest.

    Callers feed everything they read (not stopping at the cap), so a chatty program
    never blocks on a full pipe.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        """Keep what fits of ``chunk`` under the cap, count the rest."""
        kept = chunk[: self.limit - len(self.kept)]
        self.kept += kept
        self.dropped += len(chunk) - len(kept)

    def text(self) -> str:
        """What was kept, decoded with replacement characters, and a marker if cut."""
        text = self.kept.decode("utf-8", errors="replace")
        if self.dropped:
            text += (
                f"\n[output truncated: the code printed more than {self.limit} bytes; "
                f"{self.dropped} further bytes were dropped]"
            )
        return text


async def uninterruptible(cleanup: Awaitable[None]) -> None:
    """Await ``cleanup`` to its end even if the awaiting task is cancelled meanwhile.

    A cancellation that arrives during the cleanup is re-raised once it has finished, so
    the caller still learns of it, but nothing is left half-stopped.
    """
    task = asyncio.ensure_future(cleanup)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():  # the cleanup itself was cancelled, not us
                raise
            cancelled = True
    task.result()
    if cancelled:
        raise asyncio.CancelledError
