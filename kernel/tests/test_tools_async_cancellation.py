"""Async function tools run in the caller's task; the cancellation token still stops them.

The token must stop only the tool call: the caller's task is not left cancelled, a
cancellation of the caller itself still propagates, and a tool that finishes anyway
keeps its result.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref

import pytest
from retinue import CancellationToken, CancelledError
from retinue.tools import FunctionTool


def pending_cancellations() -> int:
    """Cancellation requests still standing on the current task (Python 3.11+ counts them)."""
    current = asyncio.current_task()
    assert current is not None
    counter = getattr(current, "cancelling", None)
    return int(counter()) if counter is not None else 0


async def wait_long(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "finished"


async def swallow_cancellation(seconds: float) -> str:
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        return "kept going"
    return "finished"


async def cancel_own_token(cancellation_token: CancellationToken) -> str:
    cancellation_token.cancel()
    return "returned after cancelling"


async def test_the_token_stops_an_async_tool_and_the_caller_goes_on() -> None:
    tool = FunctionTool(wait_long, description="Wait.")
    token = CancellationToken()
    asyncio.get_running_loop().call_later(0.01, token.cancel)
    with pytest.raises(CancelledError, match="wait_long"):
        await tool.run_json({"seconds": 60}, token)
    # The caller's task is not left cancelled: it can keep awaiting.
    await asyncio.sleep(0.001)
    assert pending_cancellations() == 0
    assert await tool.run_json({"seconds": 0}, CancellationToken()) == "finished"


async def test_a_token_cancelled_before_the_call_refuses_it() -> None:
    tool = FunctionTool(wait_long, description="Wait.")
    token = CancellationToken()
    token.cancel()
    with pytest.raises(CancelledError, match="wait_long"):
        await tool.run_json({"seconds": 60}, token)
    await asyncio.sleep(0)


async def test_a_token_cancelled_from_another_thread_stops_the_tool() -> None:
    tool = FunctionTool(wait_long, description="Wait.")
    token = CancellationToken()
    timer = threading.Timer(0.01, token.cancel)
    timer.start()
    try:
        with pytest.raises(CancelledError, match="wait_long"):
            await tool.run_json({"seconds": 60}, token)
    finally:
        timer.join()
    await asyncio.sleep(0.001)


async def test_a_tool_that_ignores_the_cancellation_keeps_its_result() -> None:
    tool = FunctionTool(swallow_cancellation, description="Keep going.")
    token = CancellationToken()
    asyncio.get_running_loop().call_later(0.01, token.cancel)
    assert await tool.run_json({"seconds": 60}, token) == "kept going"
    await asyncio.sleep(0.001)  # no stray cancellation reaches the caller
    assert pending_cancellations() == 0


async def test_cancelling_the_token_after_the_last_await_still_cancels_the_call() -> None:
    tool = FunctionTool(cancel_own_token, description="Cancel the own token.")
    with pytest.raises(CancelledError, match="cancel_own_token"):
        await tool.run_json({}, CancellationToken())
    await asyncio.sleep(0.001)  # and the caller is not cancelled later
    assert pending_cancellations() == 0


async def test_cancelling_the_caller_propagates_as_asyncio_cancellation() -> None:
    tool = FunctionTool(wait_long, description="Wait.")
    call = asyncio.ensure_future(tool.run_json({"seconds": 60}, CancellationToken()))
    await asyncio.sleep(0.01)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call


async def test_a_token_cancelled_after_the_call_does_not_touch_the_caller() -> None:
    tool = FunctionTool(wait_long, description="Wait.")
    token = CancellationToken()
    assert await tool.run_json({"seconds": 0}, token) == "finished"
    token.cancel()
    await asyncio.sleep(0.001)
    assert pending_cancellations() == 0


async def test_one_token_for_many_calls_does_not_keep_finished_callers_alive() -> None:
    tool = FunctionTool(wait_long, "Waits.")
    token = CancellationToken()
    callers: list[weakref.ref[asyncio.Task[object]]] = []
    for _ in range(300):
        caller = asyncio.ensure_future(tool.run_json({"seconds": 0}, token))
        assert await caller == "finished"
        callers.append(weakref.ref(caller))
        del caller
    gc.collect()
    assert sum(ref() is not None for ref in callers) <= 128
    still_stoppable = asyncio.ensure_future(tool.run_json({"seconds": 60}, token))
    await asyncio.sleep(0)
    token.cancel()
    with pytest.raises(CancelledError):
        await asyncio.wait_for(still_stoppable, 30)
