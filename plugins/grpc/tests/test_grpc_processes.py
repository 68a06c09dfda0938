"""Agents in different worker processes: messaging, state, and what goes wrong."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from retinue import AgentNotFoundError, ConfigurationError
from retinue.runtime import AgentId, TopicId
from retinue_grpc import GrpcWorkerAgentRuntime, HostAuthenticationError, HostConnectionError

from .conftest import start_host, start_worker

sys.path.insert(0, str(Path(__file__).parent))

from grpc_agents import Boom, Echo, Hang, Heard, Note, Ping

GUARD = 30.0


@pytest.fixture
def echo_worker(host_address: str) -> Iterator[object]:
    process = start_worker("grpc_agents:setup", host_address)
    yield process
    process.stop()


@pytest.fixture
async def worker(host_address: str) -> AsyncIterator[GrpcWorkerAgentRuntime]:
    runtime = GrpcWorkerAgentRuntime(host_address)
    runtime.add_message_serializer([Ping, Boom, Hang, Heard, Note, list])
    await asyncio.wait_for(runtime.connect(), GUARD)
    yield runtime
    await runtime.close()


async def test_send_publish_errors_and_state_reach_another_process(
    echo_worker: object, worker: GrpcWorkerAgentRuntime
) -> None:
    agent = AgentId("echo", "k")
    assert await asyncio.wait_for(worker.send_message(Ping(1), agent), GUARD) == Ping(2)
    with pytest.raises(ValueError, match="asked to fail: remote"):
        await asyncio.wait_for(worker.send_message(Boom("remote"), agent), GUARD)
    await worker.publish_message(Note("first"), TopicId("notes", "k"))
    await worker.publish_message(Note("second"), TopicId("notes", "k"))
    # Per-sender order holds across the wire: the query comes after both notes.
    assert await asyncio.wait_for(worker.send_message(Heard(), agent), GUARD) == [
        "first",
        "second",
    ]
    metadata = await asyncio.wait_for(worker.agent_metadata(agent), GUARD)
    assert (metadata.type, metadata.key, metadata.description) == (
        "echo",
        "k",
        "echoes across processes",
    )
    assert await worker.agent_save_state(agent) == {"notes": ["first", "second"]}
    await worker.agent_load_state(agent, {"notes": ["restored"]})
    assert await asyncio.wait_for(worker.send_message(Heard(), agent), GUARD) == ["restored"]
    # Lazy creation per key: another key is another agent.
    assert (
        await asyncio.wait_for(worker.send_message(Heard(), AgentId("echo", "other")), GUARD) == []
    )


async def test_a_type_no_worker_hosts_fails_fast(worker: GrpcWorkerAgentRuntime) -> None:
    with pytest.raises(AgentNotFoundError, match="no worker hosts agent type 'nobody'"):
        await asyncio.wait_for(worker.send_message(Ping(1), AgentId("nobody", "x")), GUARD)


async def test_a_worker_killed_mid_rpc_fails_the_caller(
    host_address: str, worker: GrpcWorkerAgentRuntime
) -> None:
    process = start_worker("grpc_agents:setup", host_address)
    try:
        call = asyncio.ensure_future(worker.send_message(Hang(), AgentId("echo", "k")))
        await asyncio.sleep(0.5)  # let the request reach the handler (not a timing assertion)
        process.kill()
        with pytest.raises(HostConnectionError, match="'echo' disconnected before replying"):
            await asyncio.wait_for(call, GUARD)
        # The host still serves: the type is gone, so a send fails fast.
        with pytest.raises(AgentNotFoundError):
            await asyncio.wait_for(worker.send_message(Ping(1), AgentId("echo", "k")), GUARD)
    finally:
        process.stop()


async def test_a_type_registered_by_two_workers_is_refused(
    echo_worker: object, worker: GrpcWorkerAgentRuntime
) -> None:
    with pytest.raises(ConfigurationError, match="already registered by another worker"):
        await asyncio.wait_for(Echo.register(worker, "echo", Echo), GUARD)
    assert await asyncio.wait_for(
        worker.send_message(Ping(1), AgentId("echo", "k")), GUARD
    ) == Ping(2)


async def test_a_wrong_token_is_refused_and_the_right_one_works() -> None:
    process, address = start_host("--token-env", "HOST_TOKEN", env={"HOST_TOKEN": "s3cret"})
    try:
        wrong = GrpcWorkerAgentRuntime(address, token="wrong", reconnect_max_backoff=0.2)
        with pytest.raises(HostAuthenticationError, match="refused") as info:
            await asyncio.wait_for(wrong.connect(), GUARD)
        assert "wrong" not in str(info.value)
        await wrong.close()
        right = GrpcWorkerAgentRuntime(address, token="s3cret")
        await asyncio.wait_for(right.connect(), GUARD)
        await right.close()
    finally:
        process.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_no_host_at_start_then_a_restarted_host_is_rejoined() -> None:
    address = f"127.0.0.1:{_free_port()}"
    runtime = GrpcWorkerAgentRuntime(address, connect_timeout=1, reconnect_max_backoff=0.5)
    await Echo.register(runtime, "echo", Echo)
    runtime.add_message_serializer([Ping])
    with pytest.raises(HostConnectionError, match="no gRPC host answered"):
        await asyncio.wait_for(runtime.connect(), GUARD)
    host, _ = start_host(address=address)
    try:
        await asyncio.wait_for(runtime.connect(timeout=GUARD), GUARD)
        assert await asyncio.wait_for(
            runtime.send_message(Ping(1), AgentId("echo", "a")), GUARD
        ) == Ping(2)
        host.stop()
        host, _ = start_host(address=address)
        # The worker reconnects with backoff and registers "echo" again on the new host.
        for _ in range(100):
            try:
                reply = await asyncio.wait_for(
                    runtime.send_message(Ping(5), AgentId("echo", "a")), GUARD
                )
                break
            except (HostConnectionError, AgentNotFoundError):
                await asyncio.sleep(0.2)
        assert reply == Ping(6)
    finally:
        await runtime.close()
        host.stop()


async def test_an_oversized_message_is_refused_and_the_worker_keeps_serving(
    echo_worker: object, host_address: str
) -> None:
    from retinue import SerializationError

    runtime = GrpcWorkerAgentRuntime(host_address, max_message_bytes=2048)
    runtime.add_message_serializer([Note, Ping])
    try:
        await asyncio.wait_for(runtime.connect(), GUARD)
        with pytest.raises(SerializationError, match="over max_message_bytes=2048"):
            await runtime.publish_message(Note("x" * 5000), TopicId("notes", "k"))
        assert await asyncio.wait_for(
            runtime.send_message(Ping(1), AgentId("echo", "k")), GUARD
        ) == Ping(2)
    finally:
        await runtime.close()
