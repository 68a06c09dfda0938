"""AutoGen 0.7.5 interoperability, each side in its own process.

Needs the AutoGen environment built by ``scripts/setup-autogen-env.sh`` (CI builds
it, so there these tests never skip).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from retinue.runtime import AgentId, DataclassJsonMessageSerializer, TopicId, TypeSubscription
from retinue_grpc import GrpcWorkerAgentRuntime, RemoteAgentError
from retinue_grpc._protos import agent_worker_pb2, cloudevent_pb2

from .conftest import Process, start_host

sys.path.insert(0, str(Path(__file__).parent))

from grpc_agents import Boom, Echo, Heard, Note, Notes, Ping, Relay

AUTOGEN_PYTHON = Path(__file__).parents[3] / "bench" / ".envs" / "autogen-grpc" / "bin" / "python"
PEER = str(Path(__file__).parent / "autogen_peer.py")
GUARD = 30.0

pytestmark = pytest.mark.skipif(
    not AUTOGEN_PYTHON.exists() and not os.environ.get("CI"),
    reason="the AutoGen comparison environment is missing; run scripts/setup-autogen-env.sh",
)


def test_compiled_protos_are_autogens_byte_for_byte() -> None:
    script = (
        "from autogen_ext.runtimes.grpc.protos import agent_worker_pb2, cloudevent_pb2\n"
        "print(cloudevent_pb2.DESCRIPTOR.serialized_pb.hex())\n"
        "print(agent_worker_pb2.DESCRIPTOR.serialized_pb.hex())\n"
    )
    result = subprocess.run(
        [str(AUTOGEN_PYTHON), "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    theirs = result.stdout.split()
    assert theirs == [
        cloudevent_pb2.DESCRIPTOR.serialized_pb.hex(),
        agent_worker_pb2.DESCRIPTOR.serialized_pb.hex(),
    ]


@pytest.fixture(params=["autogen-host", "retinue-host"])
def mixed_host(request: pytest.FixtureRequest) -> Iterator[str]:
    """An AutoGen or a retinue host, with an unchanged AutoGen worker hosting ``ag_echo``."""
    if request.param == "autogen-host":
        host = Process([PEER, "host"], python=str(AUTOGEN_PYTHON)).start()
        assert host.ready_line.startswith("listening on "), host.ready_line
        address = host.ready_line.removeprefix("listening on ")
    else:
        host, address = start_host()
    worker = Process([PEER, "worker", address], python=str(AUTOGEN_PYTHON))
    try:
        worker.start()
        assert worker.ready_line == "worker ready", worker.ready_line
        yield address
    finally:
        worker.stop()
        host.stop()


@pytest.fixture
async def retinue_worker(mixed_host: str) -> AsyncIterator[GrpcWorkerAgentRuntime]:
    """A retinue worker hosting ``rt_echo``, naming message types as AutoGen does."""
    runtime = GrpcWorkerAgentRuntime(mixed_host)
    runtime.add_message_serializer(
        [
            DataclassJsonMessageSerializer(cls, type_name=cls.__name__)
            for cls in (Ping, Boom, Relay, Note, Heard, Notes)
        ]
    )
    await asyncio.wait_for(runtime.connect(), GUARD)
    await Echo.register(runtime, "rt_echo", Echo)
    await runtime.add_subscription(TypeSubscription("notes", "rt_echo"))
    yield runtime
    await runtime.close()


async def _eventually(check: object, query: object) -> None:
    # Publishes and sends travel separately through an AutoGen host (it routes each
    # in a task of its own), so a published note is awaited, bounded by the guard.
    async def poll() -> None:
        while await query() != check:  # type: ignore[operator]
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), GUARD)


async def test_a_retinue_worker_calls_serves_and_publishes_with_autogen_agents(
    retinue_worker: GrpcWorkerAgentRuntime,
) -> None:
    autogen_agent = AgentId("ag_echo", "k")
    # retinue -> AutoGen: a send and its reply.
    assert await asyncio.wait_for(
        retinue_worker.send_message(Ping(1), autogen_agent), GUARD
    ) == Ping(101)
    # An AutoGen handler's error reaches the retinue caller with its text.
    with pytest.raises(RemoteAgentError, match="AutoGen asked to fail: here"):
        await asyncio.wait_for(retinue_worker.send_message(Boom("here"), autogen_agent), GUARD)
    # retinue publishes, the AutoGen agent subscribed to the topic receives it.
    await retinue_worker.publish_message(Note("from retinue"), TopicId("ag_notes", "k"))
    await _eventually(
        Notes(["from retinue"]), lambda: retinue_worker.send_message(Heard(), autogen_agent)
    )
    # AutoGen -> retinue: the AutoGen agent sends Ping(5) to the retinue agent (which
    # answers 6) and publishes a note the retinue agent is subscribed to.
    assert await asyncio.wait_for(
        retinue_worker.send_message(Relay("rt_echo", 5), autogen_agent), GUARD
    ) == Ping(60)
    await _eventually(
        ["relayed 5"], lambda: retinue_worker.send_message(Heard(), AgentId("rt_echo", "k"))
    )


async def test_workers_sending_at_once_through_an_autogen_host_get_their_own_replies(
    retinue_worker: GrpcWorkerAgentRuntime, mixed_host: str
) -> None:
    # AutoGen's host keys a routed request by the sender's request id alone, so ids
    # from two workers must never coincide or one caller waits forever.
    other = GrpcWorkerAgentRuntime(mixed_host)
    other.add_message_serializer(DataclassJsonMessageSerializer(Ping, type_name="Ping"))
    try:
        await asyncio.wait_for(other.connect(), GUARD)
        autogen_agent = AgentId("ag_echo", "k")
        for round in range(5):
            replies = await asyncio.wait_for(
                asyncio.gather(
                    retinue_worker.send_message(Ping(round), autogen_agent),
                    other.send_message(Ping(round + 1000), autogen_agent),
                ),
                GUARD,
            )
            assert replies == [Ping(round + 100), Ping(round + 1100)]
    finally:
        await other.close()
