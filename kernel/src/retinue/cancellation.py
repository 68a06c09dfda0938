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

    __slots__ = ("_callbacks", "_cancelled", "_lock")

    def __init__(self) -> None:
        self._cancelled = False
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], object]] = []

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

    def add_callback(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` on cancellation (at once if already cancelled)."""
        with self._lock:
            if not self._cancelled:
                self._callbacks.append(callback)
                return
        callback()

    def link_future(self, future: asyncio.Future[Any]) -> asyncio.Future[Any]:
        """Cancel ``future`` when this token is cancelled; returns ``future``."""

        def _cancel_future() -> None:
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

        self.add_callback(_cancel_future)
        return future
