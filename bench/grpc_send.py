"""Send round trips over gRPC: a host plus two workers on loopback, one sender awaiting each reply.

    python bench/grpc_send.py                       # all three side by side, with the targets
    python bench/grpc_send.py --framework retinue   # one (as compare.py runs it)

Each framework runs the same topology: a host process, a worker process hosting the
``echo`` agent, and this process as the second worker, which sends ``Ping`` and awaits
the reply (sender -> host -> echo worker -> host -> sender).

* ``retinue``: ``retinue grpc host`` and ``retinue grpc worker``; also measures the limit,
  a bare grpc.aio relay in the same topology: a relay process forwarding raw frames
  between two bidirectional streams, and an echo process answering each frame.
* ``autogen``: AutoGen 0.7.5's ``GrpcWorkerAgentRuntimeHost`` and
  ``GrpcWorkerAgentRuntime`` (in ``bench/.envs/autogen-grpc``, built by
  ``scripts/setup-autogen-env.sh``; this script re-runs itself there).

Targets: retinue at least 3x AutoGen's round trips per second, and a round trip at most
1.5x the bare relay's.
"""

# No `from __future__ import annotations`: AutoGen resolves handler annotations in the
# module globals, and the Echo agent imports its framework inside a function.
import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _harness import Ping, emit

BENCH_FRAMEWORKS = ("retinue", "autogen")
BENCH = Path(__file__).resolve().parent
AUTOGEN_GRPC_PYTHON = BENCH / ".envs" / "autogen-grpc" / "bin" / "python"
RELAY_METHOD = "/bench.Relay/Stream"


def _free_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def _agent_class(framework: str) -> Any:
    if framework == "retinue":
        from retinue.runtime import MessageContext, RoutedAgent, message_handler
    else:
        from autogen_core import MessageContext, RoutedAgent, message_handler

    class Echo(RoutedAgent):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__("echo")

        @message_handler
        async def on_ping(self, message: Ping, ctx: MessageContext) -> Ping:  # type: ignore[valid-type]
            return message

    return Echo


async def _until_signal() -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()


# ---------------------------------------------------------------------------- roles


async def setup_retinue(runtime: Any) -> None:
    """``retinue grpc worker grpc_send:setup_retinue``: the echo worker."""
    echo = _agent_class("retinue")
    await echo.register(runtime, "echo", echo)


async def autogen_host(address: str) -> None:
    from autogen_ext.runtimes.grpc import GrpcWorkerAgentRuntimeHost

    host = GrpcWorkerAgentRuntimeHost(address)
    host.start()
    print("ready", flush=True)
    await _until_signal()
    await host.stop(grace=0)


async def autogen_worker(address: str) -> None:
    from autogen_ext.runtimes.grpc import GrpcWorkerAgentRuntime

    runtime = GrpcWorkerAgentRuntime(address)
    await runtime.start()
    echo = _agent_class("autogen")
    await echo.register(runtime, "echo", echo)
    print("ready", flush=True)
    await _until_signal()
    await runtime.stop()


async def relay(address: str) -> None:
    """The bare limit's host: pairs the first two streams and forwards frames between them."""
    import grpc

    peers: list[asyncio.Queue[bytes]] = []
    paired = asyncio.Event()

    async def stream(requests: Any, context: Any) -> Any:
        mine: asyncio.Queue[bytes] = asyncio.Queue()
        peers.append(mine)
        if len(peers) == 2:
            paired.set()
        await paired.wait()
        other = peers[1] if peers[0] is mine else peers[0]

        async def forward() -> None:
            async for frame in requests:
                other.put_nowait(frame)

        reader = asyncio.ensure_future(forward())
        try:
            while True:
                yield await mine.get()
        finally:
            reader.cancel()

    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        "bench.Relay", {"Stream": grpc.stream_stream_rpc_method_handler(stream)}
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(address)
    await server.start()
    print("ready", flush=True)
    await _until_signal()
    await server.stop(0)


def _open_relay_stream(address: str) -> tuple[Any, Any]:
    import grpc

    channel = grpc.aio.insecure_channel(address)
    call = channel.stream_stream(
        RELAY_METHOD, request_serializer=lambda b: b, response_deserializer=lambda b: b
    )()
    return channel, call


async def relay_echo(address: str) -> None:
    """The bare limit's echo worker: answers every frame with itself."""
    channel, call = _open_relay_stream(address)
    await call.wait_for_connection()
    print("ready", flush=True)
    reader = asyncio.ensure_future(_echo_frames(call))
    await _until_signal()
    reader.cancel()
    await channel.close(None)


async def _echo_frames(call: Any) -> None:
    import grpc

    while (frame := await call.read()) is not grpc.aio.EOF:
        await call.write(frame)


async def relay_echo_split(address: str) -> None:
    """The echo worker shaped like retinue's: a read stays pending while a task per frame writes."""
    import grpc

    channel, call = _open_relay_stream(address)
    await call.wait_for_connection()
    print("ready", flush=True)
    writing: set[asyncio.Task[None]] = set()

    async def read() -> None:
        while (frame := await call.read()) is not grpc.aio.EOF:
            task = asyncio.ensure_future(call.write(frame))
            writing.add(task)
            task.add_done_callback(writing.discard)

    reader = asyncio.ensure_future(read())
    await _until_signal()
    reader.cancel()
    await channel.close(None)


# ---------------------------------------------------------------------------- measuring


class _Processes:
    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(self, *args: str, python: str = sys.executable) -> None:
        process = subprocess.Popen(
            [python, *args], cwd=BENCH, stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
        )
        self.started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"{args} exited before it was ready")

    def stop(self) -> None:
        for process in reversed(self.started):
            process.terminate()
            process.wait(timeout=30)


async def _best_rate(send: Any, n: int, repeats: int) -> tuple[float, float]:
    """Round trips per second of the fastest repeat, and the median repeat's."""
    for i in range(max(n // 10, 1)):
        await send(i)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(n):
            await send(i)
        rates.append(n / (time.perf_counter() - start))
    rates.sort()
    return rates[-1], rates[len(rates) // 2]


async def measure_retinue(n: int, repeats: int) -> None:
    from retinue.runtime import AgentId
    from retinue_grpc import GrpcWorkerAgentRuntime

    address = _free_address()
    processes = _Processes()
    try:
        processes.start("-m", "retinue_grpc", "host", "--address", address)
        processes.start(
            "-m", "retinue_grpc", "worker", "grpc_send:setup_retinue", "--host", address
        )
        async with GrpcWorkerAgentRuntime(address, tracing=False) as runtime:
            runtime.add_message_serializer([Ping])
            recipient = AgentId("echo", "default")

            async def send(i: int) -> None:
                await runtime.send_message(Ping(i), recipient)

            best, median = await _best_rate(send, n, repeats)
            await runtime.close()
        emit("grpc_send", "retinue", best, "round_trips/s", median=round(median, 3))
    finally:
        processes.stop()
    await measure_relay(n, repeats)
    await measure_relay(n, repeats, "relay-echo-split")


async def measure_relay(n: int, repeats: int, echo: str = "relay-echo") -> None:
    import grpc
    from retinue_grpc._protos import agent_worker_pb2 as pb

    address = _free_address()
    processes = _Processes()
    try:
        processes.start(__file__, "--role", "relay", address)
        processes.start(__file__, "--role", echo, address)
        channel, call = _open_relay_stream(address)
        # A frame the size of the runtime's request for Ping(i).
        frame = pb.Message(
            request=pb.RpcRequest(
                request_id="abcdef012345.1",
                target=pb.AgentId(type="echo", key="default"),
                payload=pb.Payload(
                    data_type="_harness.Ping",
                    data_content_type="application/json",
                    data=b'{"value":1}',
                ),
            )
        ).SerializeToString()

        async def send(i: int) -> None:
            await call.write(frame)
            if await call.read() is grpc.aio.EOF:
                raise SystemExit("the relay closed the stream")

        best, median = await _best_rate(send, n, repeats)
        await channel.close(None)
        emit(
            "grpc_send_limit" if echo == "relay-echo" else "grpc_send_limit_split",
            "retinue",
            best,
            "round_trips/s",
            median=round(median, 3),
            transport="bare grpc.aio relay"
            + (", read pending during writes" if echo == "relay-echo-split" else ""),
        )
    finally:
        processes.stop()


async def measure_autogen(n: int, repeats: int) -> None:
    from autogen_core import AgentId, try_get_known_serializers_for_type
    from autogen_ext.runtimes.grpc import GrpcWorkerAgentRuntime

    address = _free_address()
    processes = _Processes()
    try:
        processes.start(__file__, "--role", "autogen-host", address, python=sys.executable)
        processes.start(__file__, "--role", "autogen-worker", address, python=sys.executable)
        runtime = GrpcWorkerAgentRuntime(address)
        await runtime.start()
        runtime.add_message_serializer(try_get_known_serializers_for_type(Ping))
        recipient = AgentId("echo", "default")

        async def send(i: int) -> None:
            await runtime.send_message(Ping(i), recipient)

        best, median = await _best_rate(send, n, repeats)
        await runtime.stop()
        emit("grpc_send", "autogen", best, "round_trips/s", median=round(median, 3))
    finally:
        processes.stop()


def _side_by_side(n: int, repeats: int) -> None:
    records: dict[str, dict[str, Any]] = {}
    for framework in ("retinue", "autogen"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--framework",
                framework,
                "-n",
                str(n),
                "--repeat",
                str(repeats),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in out.splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                print(line)
                records[f"{record['bench']}/{record['framework']}"] = record
    ours = records["grpc_send/retinue"]["value"]
    theirs = records["grpc_send/autogen"]["value"]
    limit = records["grpc_send_limit/retinue"]["value"]
    print(
        f"\nretinue {ours:,.0f}/s ({1e6 / ours:,.0f} us), AutoGen {theirs:,.0f}/s "
        f"({1e6 / theirs:,.0f} us), bare relay {limit:,.0f}/s ({1e6 / limit:,.0f} us)"
    )
    print(
        f"target: retinue/AutoGen at least 3x -> {ours / theirs:.2f}x "
        f"({'met' if ours / theirs >= 3 else 'MISSED'})"
    )
    print(
        f"target: retinue round trip at most 1.5x the bare relay's -> {limit / ours:.2f}x "
        f"({'met' if limit / ours <= 1.5 else 'MISSED'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--framework", choices=BENCH_FRAMEWORKS)
    parser.add_argument("-n", type=int, default=2_000, help="round trips per repeat")
    parser.add_argument("--repeat", type=int, default=5, help="repeats; the best one counts")
    parser.add_argument("--role", nargs=2, metavar=("ROLE", "ADDRESS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        role, address = args.role
        roles = {
            "autogen-host": autogen_host,
            "autogen-worker": autogen_worker,
            "relay": relay,
            "relay-echo": relay_echo,
            "relay-echo-split": relay_echo_split,
        }
        asyncio.run(roles[role](address))
    elif args.framework == "retinue":
        asyncio.run(measure_retinue(args.n, args.repeat))
    elif args.framework == "autogen":
        try:
            import autogen_ext.runtimes.grpc  # noqa: F401
        except ImportError:
            # compare.py runs AutoGen scripts in an environment without grpc extras.
            if not AUTOGEN_GRPC_PYTHON.exists():
                raise SystemExit("run scripts/setup-autogen-env.sh first") from None
            os.execv(str(AUTOGEN_GRPC_PYTHON), [str(AUTOGEN_GRPC_PYTHON), *sys.argv])
        asyncio.run(measure_autogen(args.n, args.repeat))
    else:
        _side_by_side(args.n, args.repeat)


if __name__ == "__main__":
    main()
