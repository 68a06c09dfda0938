"""An AutoGen 0.7.5 host or worker, unchanged, for the wire-compatibility tests.

Runs with the AutoGen environment's Python (``scripts/setup-autogen-env.sh``), never
with retinue's:

    python autogen_peer.py host            # prints "listening on HOST:PORT"
    python autogen_peer.py worker HOST:PORT  # prints "worker ready"

The worker hosts agent type ``ag_echo``: it answers ``Ping``, fails on ``Boom``,
relays a ``Relay`` to another agent (a retinue one in the tests) and publishes a
``Note`` about it, and remembers the ``Note``s published to topic ``ag_notes``.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from dataclasses import dataclass, field

from autogen_core import (
    AgentId,
    MessageContext,
    RoutedAgent,
    TopicId,
    TypeSubscription,
    message_handler,
    try_get_known_serializers_for_type,
)
from autogen_ext.runtimes.grpc import GrpcWorkerAgentRuntime, GrpcWorkerAgentRuntimeHost


@dataclass
class Ping:
    value: int


@dataclass
class Boom:
    reason: str


@dataclass
class Relay:
    target: str
    value: int


@dataclass
class Note:
    text: str


@dataclass
class Heard:
    pass


@dataclass
class Notes:
    texts: list[str] = field(default_factory=list)


class AutoGenEcho(RoutedAgent):
    def __init__(self) -> None:
        super().__init__("an AutoGen agent")
        self.notes: list[str] = []

    @message_handler
    async def on_ping(self, message: Ping, ctx: MessageContext) -> Ping:
        return Ping(message.value + 100)

    @message_handler
    async def on_boom(self, message: Boom, ctx: MessageContext) -> Ping:
        raise ValueError(f"AutoGen asked to fail: {message.reason}")

    @message_handler
    async def on_relay(self, message: Relay, ctx: MessageContext) -> Ping:
        reply = await self.send_message(Ping(message.value), AgentId(message.target, "k"))
        await self.publish_message(Note(f"relayed {message.value}"), TopicId("notes", "k"))
        return Ping(reply.value * 10)

    @message_handler
    async def on_note(self, message: Note, ctx: MessageContext) -> None:
        self.notes.append(message.text)

    @message_handler
    async def on_heard(self, message: Heard, ctx: MessageContext) -> Notes:
        return Notes(list(self.notes))


async def _until_signal() -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()


async def host() -> None:
    # AutoGen's host does not report the port it bound, so a free one is picked here.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    server = GrpcWorkerAgentRuntimeHost(address)
    server.start()
    print(f"listening on {address}", flush=True)
    await _until_signal()
    await server.stop(grace=0)


async def worker(address: str) -> None:
    runtime = GrpcWorkerAgentRuntime(address)
    await runtime.start()
    runtime.add_message_serializer(try_get_known_serializers_for_type(Notes))
    await AutoGenEcho.register(runtime, "ag_echo", AutoGenEcho)
    await runtime.add_subscription(TypeSubscription("ag_notes", "ag_echo"))
    print("worker ready", flush=True)
    await _until_signal()
    await runtime.stop()


if __name__ == "__main__":
    if sys.argv[1] == "host":
        asyncio.run(host())
    else:
        asyncio.run(worker(sys.argv[2]))
