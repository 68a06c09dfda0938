"""The executor's end of the supervisor server (``_server.py``) in one container.

The server runs as one ``exec`` with stdin attached; requests go down the attached
socket and the server's replies come back on it, multiplexed by the engine (an 8-byte
header per chunk: stream, size). A daemon thread reads the socket and hands each run's
output and exit to that run; the event loop only sends requests and awaits results.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retinue.code import SUPERVISOR_SCRIPT, CappedOutput

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

__all__ = ["Outcome", "ServerChannel", "ServerRun"]

logger = logging.getLogger(__name__)

_SERVER_SCRIPT = Path(__file__).with_name("_server.py")
_STDOUT = 1
# Header of a server frame: kind, run id, payload length (see _server.py).
_FRAME_HEADER_BYTES = 9
_OUTPUT, _EXIT = 1, 2
# Kept of what the server writes to stderr (a traceback if it crashes), for the log.
_SERVER_STDERR_BYTES = 4000

_sources: list[str] = []


def _server_argv(grace: float) -> list[str]:
    if not _sources:
        _sources.extend(
            path.read_text(encoding="utf-8") for path in (_SERVER_SCRIPT, SUPERVISOR_SCRIPT)
        )
    return ["python3", "-I", "-S", "-c", *_sources, f"{grace}"]


@dataclass
class Outcome:
    """How a run ended: its exit code, or ``lost`` when the server or container went away."""

    exit_code: int = 1
    timed_out: bool = False
    error: str | None = None
    lost: bool = False


@dataclass
class ServerRun:
    """One block sent to the server: its output so far and, once it ended, its outcome."""

    run_id: int
    loop: asyncio.AbstractEventLoop
    capture: CappedOutput
    done: asyncio.Future[Outcome] = field(init=False)

    def __post_init__(self) -> None:
        self.done = self.loop.create_future()

    def resolve(self, outcome: Outcome) -> None:
        """Set the outcome from any thread (the first one wins)."""

        def set_outcome() -> None:
            if not self.done.done():
                self.done.set_result(outcome)

        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            self.loop.call_soon_threadsafe(set_outcome)


class ServerChannel:
    """An attached ``exec`` of the supervisor server in ``container``.

    Build it with :meth:`open` (blocking; run it in a thread). :meth:`run` and
    :meth:`stop` send requests; :meth:`close` detaches (the server then stops its runs
    and exits).
    """

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._raw = getattr(sock, "_sock", sock)  # SocketIO wraps the socket on unix
        self._runs: dict[int, ServerRun] = {}
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._next_id = 0
        self._closed = False
        self._stderr = bytearray()
        self._reader = threading.Thread(
            target=self._read, name="retinue-docker-channel", daemon=True
        )
        self._reader.start()

    @classmethod
    def open(
        cls,
        client: docker.DockerClient,
        container: Container,
        user: str,
        work_dir: str,
        grace: float,
    ) -> ServerChannel:
        """Start the server in ``container`` as ``user`` and attach to it.

        Raises:
            docker.errors.DockerException: the engine refused the exec.
        """
        exec_id = client.api.exec_create(
            container.id, _server_argv(grace), stdin=True, workdir=work_dir, user=user
        )["Id"]
        return cls(client.api.exec_start(exec_id, socket=True))

    @property
    def closed(self) -> bool:
        """True once the server's stream ended (it exited, or the container stopped)."""
        return self._closed

    def server_stderr(self) -> str:
        """What the server wrote to stderr (bounded), e.g. why it crashed."""
        return self._stderr.decode("utf-8", errors="replace")

    async def run(self, argv: list[str], timeout: float, max_output_bytes: int) -> ServerRun:
        """Send a block to the server; the returned run's ``done`` resolves when it ends."""
        with self._lock:
            self._next_id += 1
            run = ServerRun(
                self._next_id, asyncio.get_running_loop(), CappedOutput(max_output_bytes)
            )
            if self._closed:
                run.resolve(Outcome(lost=True))
                return run
            self._runs[run.run_id] = run
        request = {"run": run.run_id, "argv": argv, "timeout": timeout, "cap": max_output_bytes}
        await asyncio.to_thread(self._send, request)
        return run

    async def stop(self, run: ServerRun) -> None:
        """Ask the server to stop ``run``'s process tree (SIGTERM, grace, SIGKILL)."""
        await asyncio.to_thread(self._send, {"stop": run.run_id})

    def close(self) -> None:
        """Detach from the server; runs still waiting end as lost."""
        with contextlib.suppress(OSError):
            self._raw.shutdown(2)  # SHUT_RDWR: wakes the reader thread
        with contextlib.suppress(OSError):
            self._sock.close()
        self._lose_all()

    def _send(self, request: dict[str, Any]) -> None:
        line = json.dumps(request).encode() + b"\n"
        try:
            with self._send_lock:
                self._raw.sendall(line)
        except OSError as exc:  # the server or its container is gone
            logger.debug("could not send to the supervisor server: %s", exc)
            self._lose_all()

    def _read(self) -> None:
        buffer = bytearray()
        try:
            while True:
                header = self._read_exactly(8)
                if header is None:
                    return
                size = int.from_bytes(header[4:8], "big")
                data = self._read_exactly(size)
                if data is None:
                    return
                if header[0] != _STDOUT:
                    room = _SERVER_STDERR_BYTES - len(self._stderr)
                    self._stderr += data[: max(0, room)]
                    continue
                buffer += data
                self._dispatch(buffer)
        except OSError as exc:
            logger.debug("the supervisor server's stream ended: %s", exc)
        finally:
            self._lose_all()

    def _read_exactly(self, size: int) -> bytes | None:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self._raw.recv(size - len(chunks))
            if not chunk:
                return None
            chunks += chunk
        return bytes(chunks)

    def _dispatch(self, buffer: bytearray) -> None:
        """Hand every complete frame in ``buffer`` to its run, keeping the incomplete rest."""
        while len(buffer) >= _FRAME_HEADER_BYTES:
            kind = buffer[0]
            run_id = int.from_bytes(buffer[1:5], "big")
            size = int.from_bytes(buffer[5:9], "big")
            if len(buffer) < _FRAME_HEADER_BYTES + size:
                return
            payload = bytes(buffer[_FRAME_HEADER_BYTES : _FRAME_HEADER_BYTES + size])
            del buffer[: _FRAME_HEADER_BYTES + size]
            with self._lock:
                run = self._runs.get(run_id) if kind == _OUTPUT else self._runs.pop(run_id, None)
            if run is None:
                continue
            if kind == _OUTPUT:
                # Fed here, in this thread: the run's outcome is read only after its
                # EXIT frame, which comes after all of its output.
                run.capture.feed(payload)
                continue
            reply = json.loads(payload)
            run.capture.dropped += int(reply["dropped"])
            run.resolve(
                Outcome(
                    exit_code=int(reply["exit"]),
                    timed_out=bool(reply["timed_out"]),
                    error=reply["error"],
                )
            )

    def _lose_all(self) -> None:
        with self._lock:
            self._closed = True
            runs = list(self._runs.values())
            self._runs.clear()
        for run in runs:
            run.resolve(Outcome(lost=True))
