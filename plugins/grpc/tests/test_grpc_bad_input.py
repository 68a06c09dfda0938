"""TLS, and what a host and workers do with bad input: each a clear error, still serving."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from retinue import CantHandleError, SerializationError
from retinue.runtime import AgentId, DataclassJsonMessageSerializer, TopicId
from retinue_grpc import GrpcWorkerAgentRuntime, GrpcWorkerAgentRuntimeHost, HostConnectionError
from retinue_grpc._protos import agent_worker_pb2 as pb, agent_worker_pb2_grpc as pb_grpc

from .conftest import start_host, start_worker

sys.path.insert(0, str(Path(__file__).parent))

from grpc_agents import Ping

GUARD = 30.0


@pytest.fixture
def echo_worker(host_address: str) -> Iterator[object]:
    process = start_worker("grpc_agents:setup", host_address)
    yield process
    process.stop()


@pytest.fixture
async def worker(host_address: str) -> AsyncIterator[GrpcWorkerAgentRuntime]:
    runtime = GrpcWorkerAgentRuntime(host_address)
    runtime.add_message_serializer([Ping])
    await asyncio.wait_for(runtime.connect(), GUARD)
    yield runtime
    await runtime.close()


async def _still_serves(runtime: GrpcWorkerAgentRuntime) -> None:
    reply = await asyncio.wait_for(runtime.send_message(Ping(1), AgentId("echo", "k")), GUARD)
    assert reply == Ping(2)


# ---------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "host.pem", folder / "host.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


async def test_tls_host_serves_tls_workers_and_refuses_plaintext(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    host, address = start_host("--tls-certificate", str(cert), "--tls-private-key", str(key))
    echo = start_worker("grpc_agents:setup", address, "--tls-root-certificates", str(cert))
    try:
        runtime = GrpcWorkerAgentRuntime(address, tls_root_certificates=cert)
        runtime.add_message_serializer([Ping])
        try:
            await asyncio.wait_for(runtime.connect(), GUARD)
            await _still_serves(runtime)
        finally:
            await runtime.close()
        plaintext = GrpcWorkerAgentRuntime(address, connect_timeout=1)
        try:
            with pytest.raises(HostConnectionError, match="no gRPC host answered"):
                await asyncio.wait_for(plaintext.connect(), GUARD)
        finally:
            await plaintext.close()
    finally:
        echo.stop()
        host.stop()


# ---------------------------------------------------------------------------- frames


def _raw_channel(address: str, client_id: str) -> tuple[grpc.aio.Channel, object]:
    channel = grpc.aio.insecure_channel(address)
    # Bytes go out as they are: the host sees exactly the frames written here.
    open_channel = channel.stream_stream(
        "/agents.AgentRpc/OpenChannel",
        request_serializer=lambda data: data,
        response_deserializer=lambda data: data,
    )
    return channel, open_channel(metadata=[("client-id", client_id)])


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            b"\xff\xff\xff\xff garbage",
            (grpc.StatusCode.INVALID_ARGUMENT, "send agents.Message protobufs"),
        ),
        (b"x" * (5 * 1024 * 1024), (grpc.StatusCode.RESOURCE_EXHAUSTED, "larger than max")),
    ],
    ids=["malformed", "oversized"],
)
async def test_a_bad_frame_ends_only_its_stream(
    frame: bytes,
    expected: tuple[grpc.StatusCode, str],
    echo_worker: object,
    worker: GrpcWorkerAgentRuntime,
    host_address: str,
) -> None:
    channel, call = _raw_channel(host_address, "raw-client")
    try:
        await call.write(frame)  # type: ignore[attr-defined]
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await asyncio.wait_for(call.read(), GUARD)  # type: ignore[attr-defined]
        assert (info.value.code(), info.value.details()) == expected or (
            info.value.code() == expected[0] and expected[1] in (info.value.details() or "")
        )
    finally:
        await channel.close(None)
    await _still_serves(worker)


# ---------------------------------------------------------------------------- payloads


@dataclass
class NobodyHandles:
    text: str


@dataclass
class PingWithText:
    """Claims to be the echo worker's ``Ping``, with the wrong field."""

    value: str


async def test_an_unknown_message_type_fails_with_cant_handle(
    echo_worker: object, worker: GrpcWorkerAgentRuntime
) -> None:
    with pytest.raises(CantHandleError, match="NobodyHandles"):
        await asyncio.wait_for(worker.send_message(NobodyHandles("?"), AgentId("echo", "k")), GUARD)
    # Published, it is dropped with a warning on the receiving side; nothing breaks.
    await worker.publish_message(NobodyHandles("?"), TopicId("notes", "k"))
    await _still_serves(worker)


async def test_a_serializer_mismatch_is_a_serialization_error(
    echo_worker: object, worker: GrpcWorkerAgentRuntime, host_address: str
) -> None:
    # Sent under the name the echo worker decodes as its Ping, in another shape.
    mismatched = GrpcWorkerAgentRuntime(host_address)
    mismatched.add_message_serializer(
        DataclassJsonMessageSerializer(PingWithText, type_name="grpc_agents.Ping")
    )
    try:
        await asyncio.wait_for(mismatched.connect(), GUARD)
        with pytest.raises(
            SerializationError, match=r"invalid payload for grpc_agents\.Ping"
        ) as info:
            await asyncio.wait_for(
                mismatched.send_message(PingWithText("x" * 10_000), AgentId("echo", "k")), GUARD
            )
        assert len(str(info.value)) < 5_000  # the offending input is not echoed in full
        await mismatched.publish_message(PingWithText("not an int"), TopicId("notes", "k"))
    finally:
        await mismatched.close()
    await _still_serves(worker)


# ---------------------------------------------------------------------------- backpressure


async def test_a_slow_consumer_slows_its_senders_and_loses_nothing() -> None:
    queue_size = 4
    count = 400
    note = "n" * 64 * 1024
    async with GrpcWorkerAgentRuntimeHost("127.0.0.1:0", queue_size=queue_size) as host:
        # The slow consumer: a raw worker that subscribes and then does not read.
        channel = grpc.aio.insecure_channel(host.address)
        stub = pb_grpc.AgentRpcStub(channel)
        metadata = [("client-id", "slow")]
        call = stub.OpenChannel(metadata=metadata)
        await call.wait_for_connection()
        await stub.RegisterAgent(pb.RegisterAgentTypeRequest(type="slow"), metadata=metadata)
        await stub.AddSubscription(
            pb.AddSubscriptionRequest(
                subscription=pb.Subscription(
                    id="s", typeSubscription=pb.TypeSubscription(topic_type="t", agent_type="slow")
                )
            ),
            metadata=metadata,
        )
        sender = GrpcWorkerAgentRuntime(host.address)
        sent = 0

        async def publish_all() -> None:
            nonlocal sent
            for index in range(count):
                await sender.publish_message(f"{index}:{note}", TopicId("t", "k"))
                sent += 1

        try:
            await asyncio.wait_for(sender.connect(), GUARD)
            publishing = asyncio.ensure_future(publish_all())
            outbox = host._servicer._clients["slow"].outbox

            async def full() -> None:
                while not outbox.full():
                    await asyncio.sleep(0.01)

            await asyncio.wait_for(full(), GUARD)
            await asyncio.sleep(0.5)  # let the sender run ahead if nothing held it back
            # Held back: the host never queues more than queue_size for the consumer,
            # and the sender has not got all 400 x 64 KiB out.
            assert outbox.qsize() <= queue_size
            assert sent < count and not publishing.done()
            # Once the consumer reads, everything arrives, in order.
            for index in range(count):
                message = await asyncio.wait_for(call.read(), GUARD)
                text = message.cloudEvent.binary_data.decode()
                assert text.startswith(f'"{index}:'), text[:20]
            await asyncio.wait_for(publishing, GUARD)
        finally:
            await sender.close()
            await channel.close(None)
