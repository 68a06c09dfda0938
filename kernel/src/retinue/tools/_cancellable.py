"""Await a tool's coroutine in the calling task, stoppable through a ``CancellationToken``.

Wrapping the coroutine in a task of its own would let the token cancel it without
touching the caller, but a task costs a loop round trip per call.  Instead the token
cancels the calling task while (and only while) it awaits the coroutine, and the
cancellation is taken back (``Task.uncancel``) before the caller sees it, as
``asyncio.timeout`` does.  Pythons without ``uncancel`` (3.10) get the task.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from .._errors import CancelledError
from ..cancellation import CancellationToken

__all__ = ["await_cancellable"]

T = TypeVar("T")


class _Canceller:
    """Cancels ``task`` when the token fires, unless the awaited call is over."""

    __slots__ = ("active", "loop", "requested", "task")

    def __init__(self, task: asyncio.Task[Any], loop: asyncio.AbstractEventLoop) -> None:
        self.task = task
        self.loop = loop
        self.active = True
        self.requested = False

    def __call__(self) -> None:
        # The token may be cancelled from another thread: cancel on the task's loop.
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.fire()
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.fire)

    @property
    def spent(self) -> bool:
        """Whether the awaited call is over (the token may then drop this callback)."""
        return not self.active

    def fire(self) -> None:
        if self.active and not self.requested:
            self.requested = True
            self.task.cancel()


async def await_cancellable(
    coro: Coroutine[Any, Any, T], token: CancellationToken, tool_name: str
) -> T:
    """Await ``coro``; cancelling ``token`` stops it with :class:`~retinue.CancelledError`.

    ``tool_name`` names the tool in the error.  A cancellation of the calling task
    itself still propagates as ``asyncio.CancelledError``.
    """
    task = asyncio.current_task()
    if sys.version_info < (3, 11) or task is None:
        return await _await_in_own_task(coro, token, tool_name)
    if token.is_cancelled():
        coro.close()
        raise CancelledError(f"tool {tool_name!r} was cancelled")
    canceller = _Canceller(task, asyncio.get_running_loop())
    cancelling = task.cancelling()
    token.add_callback(canceller)
    try:
        try:
            result = await coro
        finally:
            canceller.active = False
        if canceller.requested:
            # Our cancel() landed after the coroutine's last await (or the coroutine
            # swallowed it): take a pending one here rather than in the caller.
            await asyncio.sleep(0)
    except asyncio.CancelledError:
        if canceller.requested and task.uncancel() <= cancelling:
            raise CancelledError(f"tool {tool_name!r} was cancelled") from None
        raise
    if canceller.requested:
        task.uncancel()
    return result


async def _await_in_own_task(
    coro: Coroutine[Any, Any, T], token: CancellationToken, tool_name: str
) -> T:
    future = asyncio.ensure_future(coro)
    token.link_future(future)
    try:
        return await future
    except asyncio.CancelledError:
        if token.is_cancelled():
            raise CancelledError(f"tool {tool_name!r} was cancelled") from None
        raise
