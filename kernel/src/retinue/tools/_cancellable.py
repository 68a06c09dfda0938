"""Await a tool's work in the calling task, stoppable through a token or a timeout.

Wrapping the coroutine in a task of its own would let the token cancel it without
touching the caller, but a task costs a loop round trip per call.  Instead the token
(or the timeout) cancels the calling task while (and only while) it awaits the
coroutine, and the cancellation is taken back (``Task.uncancel``) before the caller
sees it, as ``asyncio.timeout`` does.  Pythons without ``uncancel`` (3.10) get the task.

Three endings are told apart, because callers treat them differently: the token was
cancelled (:class:`~retinue.CancelledError`, the run stops), the timeout expired or
the tool raised ``asyncio.CancelledError`` although nobody cancelled it
(:class:`~retinue.ToolError`, the model is told and the run goes on), and the calling
task itself was cancelled (``asyncio.CancelledError`` propagates untouched).

Sync functions run in daemon threads started here, not in the loop's default
executor: a call that is cancelled or times out cannot stop its thread, and the
default executor's threads are joined when the loop closes and when the interpreter
exits, so one ``time.sleep(1000)`` would hold the program open.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import Any, TypeVar

from .._errors import CancelledError, ToolError
from ..cancellation import CancellationToken

__all__ = [
    "await_cancellable",
    "cancel_requests",
    "in_daemon_thread",
    "own_cancellation_error",
    "raised_by_itself",
]

T = TypeVar("T")


def _cancelled(tool_name: str) -> CancelledError:
    return CancelledError(f"tool {tool_name!r} was cancelled")


def _timed_out(tool_name: str, timeout: float) -> ToolError:
    return ToolError(
        f"tool {tool_name!r} did not finish within its time limit of {timeout:g} s and was "
        "stopped; ask it for less work at a time (or raise the tool's timeout)"
    )


def own_cancellation_error(tool_name: str) -> ToolError:
    """The error for a tool that raised ``asyncio.CancelledError`` while nobody cancelled it."""
    return ToolError(
        f"tool {tool_name!r} stopped with asyncio.CancelledError although this call was not "
        "cancelled (something inside the tool cancelled its work); it has no result"
    )


def cancel_requests() -> int | None:
    """Cancellations standing on the current task; None where Python cannot count them (3.10)."""
    task = asyncio.current_task()
    if sys.version_info < (3, 11) or task is None:
        return None
    return task.cancelling()


def raised_by_itself(requests_before: int | None) -> bool:
    """Whether an ``asyncio.CancelledError`` caught now came from the awaited work itself.

    ``requests_before`` is :func:`cancel_requests` taken before the await.  No new
    request on the current task means nobody cancelled it.  Where that cannot be
    known (3.10) the answer is no, so a real cancellation is never swallowed.
    """
    return requests_before is not None and cancel_requests() == requests_before


class _Canceller:
    """Cancels ``task`` when the token fires or the timeout expires, unless the call is over."""

    __slots__ = ("active", "loop", "requested", "task", "timed_out")

    def __init__(self, task: asyncio.Task[Any], loop: asyncio.AbstractEventLoop) -> None:
        self.task = task
        self.loop = loop
        self.active = True
        self.requested = False
        self.timed_out = False

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

    def time_out(self) -> None:
        if self.active and not self.requested:
            self.timed_out = True
            self.fire()


async def await_cancellable(
    coro: Coroutine[Any, Any, T],
    token: CancellationToken,
    tool_name: str,
    timeout: float | None = None,
) -> T:
    """Await ``coro``; cancelling ``token`` stops it with :class:`~retinue.CancelledError`.

    ``tool_name`` names the tool in the errors.  After ``timeout`` seconds (if given)
    the call is stopped with a :class:`~retinue.ToolError`, and so is a coroutine that
    raises ``asyncio.CancelledError`` although neither the token nor the calling task
    was cancelled.  A cancellation of the calling task itself still propagates as
    ``asyncio.CancelledError``.
    """
    task = asyncio.current_task()
    if sys.version_info < (3, 11) or task is None:
        return await _await_in_own_task(coro, token, tool_name, timeout)
    if token.is_cancelled():
        coro.close()
        raise _cancelled(tool_name)
    loop = asyncio.get_running_loop()
    canceller = _Canceller(task, loop)
    cancelling = task.cancelling()
    token.add_callback(canceller)
    timer = loop.call_later(timeout, canceller.time_out) if timeout is not None else None
    try:
        try:
            result = await coro
        finally:
            canceller.active = False
            if timer is not None:
                timer.cancel()
        if canceller.requested:
            # Our cancel() landed after the coroutine's last await (or the coroutine
            # swallowed it): take a pending one here rather than in the caller.
            await asyncio.sleep(0)
    except asyncio.CancelledError:
        if canceller.requested:
            if task.uncancel() > cancelling:
                raise  # the caller was cancelled too: that one wins
            if canceller.timed_out:
                assert timeout is not None
                raise _timed_out(tool_name, timeout) from None
            raise _cancelled(tool_name) from None
        if task.cancelling() <= cancelling:
            raise own_cancellation_error(tool_name) from None
        raise
    if canceller.requested:
        task.uncancel()
    return result


async def _await_in_own_task(
    coro: Coroutine[Any, Any, T], token: CancellationToken, tool_name: str, timeout: float | None
) -> T:
    future = asyncio.ensure_future(coro)
    token.link_future(future)
    try:
        # wait() leaves the future alone when the caller is cancelled, so the two
        # cancellations stay apart.
        done, _ = await asyncio.wait({future}, timeout=timeout)
    except asyncio.CancelledError:
        future.cancel()
        raise
    if not done:
        future.cancel()
        assert timeout is not None
        raise _timed_out(tool_name, timeout)
    if future.cancelled():
        if token.is_cancelled():
            raise _cancelled(tool_name)
        raise own_cancellation_error(tool_name)
    return future.result()


async def in_daemon_thread(func: Callable[[], T], tool_name: str) -> T:
    """Run ``func`` in a daemon thread of its own and await its result.

    Cancelling the awaiting task abandons the thread: it runs on until ``func``
    returns, but never keeps the loop from closing or the interpreter from exiting.
    The caller's context variables are visible in the thread.  An exception that is
    not an ``Exception`` (``SystemExit``, ``asyncio.CancelledError``, ...) becomes a
    :class:`~retinue.ToolError`, so a tool cannot end the program or fake a cancellation.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def work() -> None:
        try:
            outcome: tuple[bool, Any] = (True, context.run(func))
        except Exception as exc:
            outcome = (False, exc)
        except asyncio.CancelledError:
            outcome = (False, own_cancellation_error(tool_name))
        except BaseException as exc:
            outcome = (False, ToolError(f"tool {tool_name!r} raised {type(exc).__name__}: {exc}"))
        # The loop may have closed while the call was abandoned: nobody waits for it then.
        with suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, future, *outcome)

    threading.Thread(target=work, name=f"retinue-tool-{tool_name}", daemon=True).start()
    return await future


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():  # the awaiting call was cancelled or timed out
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
