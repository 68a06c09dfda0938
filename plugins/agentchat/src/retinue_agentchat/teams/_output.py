"""The hand-over of a run's output from the collector agent to ``run_stream``.

A deque and one reusable waiter instead of an ``asyncio.Queue``: taking an item that
is already there costs nothing, and waiting needs no task per message.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

from retinue import CancellationToken, CancelledError

__all__ = ["OutputChannel"]

T = TypeVar("T")


class OutputChannel(Generic[T]):
    """One run's output, in order; :meth:`get` raises once the run's token is cancelled."""

    def __init__(self, token: CancellationToken, team_name: str) -> None:
        self._items: deque[T] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._token = token
        self._team_name = team_name
        token.add_callback(self._wake_from_anywhere)

    def put(self, item: T) -> None:
        """Add an item (called on the loop, by the collector agent)."""
        self._items.append(item)
        if self._waiter is not None:
            _resolve(self._waiter)

    def _wake_from_anywhere(self) -> None:
        # Cancellation may come from another thread.
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.get_loop().call_soon_threadsafe(_resolve, waiter)

    async def get(self) -> T:
        while True:
            if self._token.is_cancelled():
                raise CancelledError(
                    f"the run of team {self._team_name!r} was cancelled; the conversation so "
                    "far is kept, call run() to continue or reset() to start over"
                )
            if self._items:
                return self._items.popleft()
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
