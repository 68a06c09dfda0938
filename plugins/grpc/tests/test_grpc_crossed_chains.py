"""Crossed call chains split across workers never deadlock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from retinue.runtime import AgentId, MessageContext, RoutedAgent, message_handler
from retinue_grpc import GrpcWorkerAgentRuntime

GUARD = 30.0


@dataclass
class Start:
    peer: str


@dataclass
class Ask:
    question: str


class Both:
    """Lets two handlers on two workers wait until each has started."""

    def __init__(self) -> None:
        self.count = 0
        self.both = asyncio.Event()

    def arrive(self) -> None:
        self.count += 1
        if self.count == 2:
            self.both.set()


class Crossing(RoutedAgent):
    """On Start, waits until the peer's handler also runs, then asks the peer."""

    meeting: Both

    def __init__(self) -> None:
        super().__init__("asks its peer while its peer asks it")

    @message_handler
    async def on_start(self, message: Start, ctx: MessageContext) -> str:
        self.meeting.arrive()
        await self.meeting.both.wait()
        return await self.send_message(Ask(f"from {self.id.type}"), AgentId(message.peer, "k"))

    @message_handler
    async def on_ask(self, message: Ask, ctx: MessageContext) -> str:
        return f"{self.id.type} answers {message.question}"


async def test_crossed_chains_across_two_workers_complete(host_address: str) -> None:
    # X (worker 1) awaits Y while Y (worker 2), in another chain, awaits X: each request
    # arrives at a mailbox held by a handler waiting for the other.  Each worker sees the
    # cycle from the request's sender and the target of its own pending send.
    Crossing.meeting = Both()
    first = GrpcWorkerAgentRuntime(host_address)
    second = GrpcWorkerAgentRuntime(host_address)
    try:
        for runtime in (first, second):
            await asyncio.wait_for(runtime.connect(), GUARD)
        await Crossing.register(first, "x", Crossing)
        await Crossing.register(second, "y", Crossing)
        replies = await asyncio.wait_for(
            asyncio.gather(
                first.send_message(Start("y"), AgentId("x", "k")),
                second.send_message(Start("x"), AgentId("y", "k")),
            ),
            GUARD,
        )
        assert replies == ["y answers from x", "x answers from y"]
    finally:
        await first.close()
        await second.close()
