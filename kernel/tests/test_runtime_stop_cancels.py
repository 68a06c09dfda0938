"""Stopping the in-process runtime releases its tasks and leaves it restartable.

``stop(cancel_handlers=True)`` is how an owner that abandons the work (a team whose
caller stopped reading) releases handlers that do not watch their token; and workers
cancelled from outside (``asyncio.run`` cancels every task at exit) must not leave the
runtime counting messages that will never be handled.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import pytest
from retinue.runtime import (
    AgentId,
    InProcessRuntime,
    MessageContext,
    RoutedAgent,
    TopicId,
    TypeSubscription,
    message_handler,
)


@dataclass
class Work:
    pass


class Sleeper(RoutedAgent):
    """Ignores its cancellation token: only cancelling its task stops it."""

    started = 0
    cancelled = 0

    def __init__(self) -> None:
        super().__init__("sleeps")

    @message_handler
    async def on_work(self, message: Work, ctx: MessageContext) -> str:
        Sleeper.started += 1
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            Sleeper.cancelled += 1
            raise
        return "never"


class ConcurrentSleeper(Sleeper):
    concurrent = True


class Echo(RoutedAgent):
    concurrent = True

    def __init__(self) -> None:
        super().__init__("echoes")
        self.seen = 0

    @message_handler
    async def on_work(self, message: Work, ctx: MessageContext) -> str:
        self.seen += 1
        return "ok"


class Quick(Echo):
    concurrent = False


async def _runtime() -> InProcessRuntime:
    runtime = InProcessRuntime()
    for agent_type, cls in [
        ("sleeper", Sleeper),
        ("concurrent_sleeper", ConcurrentSleeper),
        ("echo", Echo),
        ("quick", Quick),
    ]:
        await cls.register(runtime, agent_type, cls)
        await runtime.add_subscription(TypeSubscription(agent_type, agent_type))
    return runtime


def _cancel_other_tasks() -> None:
    # What asyncio.run does to every task still pending when the main coroutine returns.
    current = asyncio.current_task()
    for task in asyncio.all_tasks():
        if task is not current:
            task.cancel()


async def test_stop_with_cancel_handlers_cancels_handlers_that_ignore_their_token() -> None:
    Sleeper.started = Sleeper.cancelled = 0
    runtime = await _runtime()
    runtime.start()
    await runtime.publish_message(Work(), TopicId("sleeper", "a"))
    await runtime.publish_message(Work(), TopicId("concurrent_sleeper", "a"))
    while Sleeper.started < 2:
        await asyncio.sleep(0)
    await asyncio.wait_for(runtime.stop(cancel_handlers=True), 10)
    assert Sleeper.cancelled == 2
    assert not runtime.is_running
    # Restartable, and idle tracking is exact again.
    runtime.start()
    assert await asyncio.wait_for(runtime.send_message(Work(), AgentId("quick", "a")), 10) == "ok"
    await asyncio.wait_for(runtime.stop_when_idle(), 10)


async def test_workers_cancelled_before_they_ran_leave_the_runtime_usable() -> None:
    runtime = await _runtime()
    runtime.start()
    # One worker of each kind, created but not yet run: a concurrent agent's message
    # task and a mailbox's drain task.
    await runtime.publish_message(Work(), TopicId("echo", "a"))
    await runtime.publish_message(Work(), TopicId("quick", "a"))
    _cancel_other_tasks()
    await asyncio.wait_for(runtime.stop(), 10)

    runtime.start()
    # The mailbox whose drain task never ran is drained again ...
    await runtime.publish_message(Work(), TopicId("quick", "a"))
    # ... and nothing counts as outstanding, so stop_when_idle returns.
    await asyncio.wait_for(runtime.stop_when_idle(), 10)
    quick = await runtime.try_get_underlying_agent_instance(AgentId("quick", "a"), Quick)
    assert quick.seen == 1


async def test_a_stop_interrupted_by_cancellation_is_finished_by_the_next_stop() -> None:
    Sleeper.started = Sleeper.cancelled = 0
    runtime = await _runtime()
    runtime.start()
    await runtime.publish_message(Work(), TopicId("sleeper", "a"))
    while Sleeper.started < 1:
        await asyncio.sleep(0)
    stopping = asyncio.ensure_future(runtime.stop())
    await asyncio.sleep(0)
    stopping.cancel()
    await asyncio.gather(stopping, return_exceptions=True)
    await asyncio.wait_for(runtime.stop(cancel_handlers=True), 10)
    assert not runtime.is_running
    runtime.start()
    assert await asyncio.wait_for(runtime.send_message(Work(), AgentId("quick", "b")), 10) == "ok"
    await asyncio.wait_for(runtime.stop_when_idle(), 10)


async def test_an_abandoning_stop_drops_and_cancels_without_warnings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    Sleeper.started = Sleeper.cancelled = 0
    caplog.set_level(logging.DEBUG, logger="retinue.runtime")
    runtime = await _runtime()
    runtime.start()
    await runtime.publish_message(Work(), TopicId("sleeper", "q"))  # runs, then is cancelled
    await runtime.publish_message(Work(), TopicId("sleeper", "q"))  # queued, then dropped
    while Sleeper.started < 1:
        await asyncio.sleep(0)
    await asyncio.wait_for(runtime.stop(cancel_handlers=True), 10)
    runtime_records = [r for r in caplog.records if r.name.startswith("retinue.runtime")]
    assert [r.getMessage() for r in runtime_records if r.levelno >= logging.WARNING] == []
    debug = " ".join(r.getMessage() for r in runtime_records)
    assert "dropped published message" in debug and "was cancelled" in debug
