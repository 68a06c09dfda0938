"""The worker passes the runtime conformance suite, every message crossing a host process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from retinue.runtime import AgentId, AgentRuntime, MessageContext, RoutedAgent, message_handler
from retinue.testing import RuntimeConformance
from retinue_grpc import GrpcWorkerAgentRuntime

GUARD = 30.0


@dataclass
class Meet:
    """Wait until ``count`` handlers of this agent run at once."""

    count: int


class Meeting(RoutedAgent):
    """A concurrent agent whose handlers only return once enough of them overlap."""

    concurrent = True

    def __init__(self) -> None:
        super().__init__("waits for overlapping handlers")
        self.active = 0
        self.everyone = asyncio.Event()

    @message_handler
    async def on_meet(self, message: Meet, ctx: MessageContext) -> int:
        self.active += 1
        if self.active >= message.count:
            self.everyone.set()
        await self.everyone.wait()
        return self.active


class TestGrpcWorkerConformance(RuntimeConformance):
    """Every send and publish goes to a host in another process and back."""

    serializes_messages = True

    @pytest.fixture
    async def runtime_factory(self, host_address: str) -> AsyncIterator[Any]:
        made: list[AgentRuntime] = []

        async def make(**options: Any) -> AgentRuntime:
            runtime = GrpcWorkerAgentRuntime(host_address, **options)
            made.append(runtime)
            return runtime

        yield make
        for runtime in made:
            await runtime.close()

    async def test_concurrent_agents_opt_in_to_interleaving(self, runtime: AgentRuntime) -> None:
        # The suite's version counts overlaps of handlers that yield three times; over
        # the wire the next request arrives later than that, so overlap is asked for
        # outright: a non-concurrent agent would hang here (and fail the guard).
        await Meeting.register(runtime, "meeting", Meeting)
        recipient = AgentId("meeting", "default")
        replies = await asyncio.wait_for(
            asyncio.gather(*(runtime.send_message(Meet(3), recipient) for _ in range(3))), GUARD
        )
        assert replies == [3, 3, 3]
