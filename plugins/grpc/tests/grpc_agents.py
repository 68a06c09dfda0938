"""Agents and messages the cross-process tests run in worker processes (imported by both sides)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from retinue.runtime import (
    AgentRuntime,
    MessageContext,
    RoutedAgent,
    TypeSubscription,
    message_handler,
)


@dataclass
class Ping:
    value: int


@dataclass
class Boom:
    reason: str


@dataclass
class Hang:
    pass


@dataclass
class Heard:
    pass


@dataclass
class Note:
    text: str


@dataclass
class Relay:
    """Asks an AutoGen agent to send ``Ping(value)`` to agent type ``target``."""

    target: str
    value: int


@dataclass
class Notes:
    texts: list[str]


class Echo(RoutedAgent):
    """Answers pings, fails on request, hangs on request, remembers notes (its state)."""

    def __init__(self) -> None:
        super().__init__("echoes across processes")
        self.notes: list[str] = []

    @message_handler
    async def on_ping(self, message: Ping, ctx: MessageContext) -> Ping:
        return Ping(message.value + 1)

    @message_handler
    async def on_boom(self, message: Boom, ctx: MessageContext) -> None:
        raise ValueError(f"asked to fail: {message.reason}")

    @message_handler
    async def on_hang(self, message: Hang, ctx: MessageContext) -> None:
        await asyncio.Event().wait()

    @message_handler
    async def on_note(self, message: Note, ctx: MessageContext) -> None:
        self.notes.append(message.text)

    @message_handler
    async def on_heard(self, message: Heard, ctx: MessageContext) -> list[str]:
        return self.notes

    async def save_state(self) -> dict[str, Any]:
        return {"notes": self.notes}

    async def load_state(self, state: Any) -> None:
        self.notes = list(state["notes"])


async def setup(runtime: AgentRuntime) -> None:
    """Worker setup: the ``echo`` type, subscribed to the ``notes`` topic."""
    await Echo.register(runtime, "echo", Echo)
    await runtime.add_subscription(TypeSubscription("notes", "echo"))
