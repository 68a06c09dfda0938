"""Cooperative cancellation shared by every async API in retinue."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["CancellationToken"]


class CancellationToken:
    """A one-shot signal that asks running work to stop.

    Pass a token into ``create``, ``run_json``, ``execute_code_blocks`` or
    ``send_message``; call :meth:`cancel` from anywhere.  Futures linked with
    :meth:`link_future` are cancelled, callbacks run once.  Thread-safe.

    >>> token = CancellationToken()
    >>> token.cancel()
    >>> token.is_cancelled()
    True
    """

    __slots__ = ("_callbacks", "_cancelled", "_lock", "_prune_at")

    def __init__(self) -> None:
        self._cancelled = False
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], object]] = []
        self._prune_at = _PRUNE_MIN

    def cancel(self) -> None:
        """Cancel once; later calls do nothing."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def is_cancelled(self) -> bool:
        """Whether :meth:`cancel` has been called."""
        return self._cancelled

    def add_callback(self, callback: Callable[[], object]) -> Callable[[], None]:
        """Run ``callback`` on cancellation (at once if already cancelled).

        Returns a function that detaches ``callback`` again: call it when the work the
        callback stops has ended, so a long-lived token (one per application, passed to
        every run) does not collect a callback per run.
        """
        with self._lock:
            if not self._cancelled:
                self._append(callback)
                return lambda: self._detach(callback)
        callback()
        return _nothing

    def _detach(self, callback: Callable[[], object]) -> None:
        with self._lock:
            # Identity, not equality: two bound methods of one object compare equal.
            for index, registered in enumerate(self._callbacks):
                if registered is callback:
                    del self._callbacks[index]
                    return

    def link_future(self, future: asyncio.Future[Any]) -> asyncio.Future[Any]:
        """Cancel ``future`` when this token is cancelled; returns ``future``.

        A token often outlives the futures linked to it (one token for a whole team
        run); links to futures that are already done are dropped from time to time,
        so the token does not keep their results alive.  (Any callback with a true
        ``spent`` attribute is dropped the same way.)
        """
        canceller = _FutureCanceller(future)
        with self._lock:
            if not self._cancelled:
                self._append(canceller)
                return future
        canceller()
        return future

    def _append(self, callback: Callable[[], object]) -> None:
        # Called with the lock held.  Drops callbacks that say they are spent (see
        # ``_FutureCanceller.spent``), in one pass each time the list doubled.
        callbacks = self._callbacks
        if len(callbacks) >= self._prune_at:
            callbacks[:] = [cb for cb in callbacks if getattr(cb, "spent", False) is not True]
            self._prune_at = max(_PRUNE_MIN, 2 * len(callbacks))
        callbacks.append(callback)


_PRUNE_MIN = 64


def _nothing() -> None:
    """The detach function of a callback that already ran."""


class _FutureCanceller:
    """Cancels a linked future, on its own loop (the token may be cancelled from a thread)."""

    __slots__ = ("future",)

    def __init__(self, future: asyncio.Future[Any]) -> None:
        self.future = future

    @property
    def spent(self) -> bool:
        """Whether the future is done, so cancelling it would do nothing."""
        return self.future.done()

    def __call__(self) -> None:
        future = self.future
        loop = future.get_loop()
        if loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            future.cancel()
        else:
            loop.call_soon_threadsafe(future.cancel)
