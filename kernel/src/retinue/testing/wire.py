"""A scriptable HTTP/1.1 server on 127.0.0.1 for testing clients against a provider's wire format.

Model SDKs are tested against the real protocol rather than mocks of our own code:
the test scripts what the "provider" answers, the real SDK talks HTTP to it, and the
test then checks the requests the SDK sent.  This module is the provider-neutral part
(standard library only); plugins add builders for their provider's JSON shapes (for
example ``retinue_openai.testing``).

The server runs its own event loop in a background thread, so it works from sync and
async tests alike and keeps answering while the test's loop awaits the client::

    from retinue.testing.wire import JSONResponse, SSEResponse, WireServer

    with WireServer() as server:
        server.enqueue(JSONResponse({"error": "busy"}, status=429, headers={"retry-after": "0"}))
        server.enqueue(JSONResponse({"ok": True}))
        ...  # point the client at server.base_url
        assert server.requests[-1].json == {...}

Scripted responses are served in order, one per request, whatever the path; when none
is left the server answers 500 with a body saying so (or calls ``fallback``).  A
``validator`` checks each request first, as the real API does: a request it refuses
gets the validator's error answer, takes nothing from the script, and is listed in
``rejections``, so a client bug fails the test as it would fail against the real API.  A request
a client cancels before sending it takes no response from the script, so the next
request gets the response meant for it: to test cancellation, answer with a
``fallback`` that computes each answer from its request instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "CloseConnection",
    "JSONResponse",
    "RawResponse",
    "RecordedRequest",
    "Responder",
    "SSEEvent",
    "SSEResponse",
    "ScriptedResponse",
    "Stall",
    "Validator",
    "WireServer",
]

logger = logging.getLogger(__name__)

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    529: "Overloaded",
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received.

    ``headers`` keys are lower case; ``query`` maps each parameter to its first value;
    ``json`` is the decoded body, or None when the body is empty or not JSON;
    ``connection`` numbers the TCP connection it came on (1, 2, ... in accept order),
    to tell whether a client reused a connection; ``received_at`` is the
    ``time.monotonic()`` at which its head arrived (to see a client wait between retries).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    connection: int = 0
    received_at: float = 0.0

    @property
    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class JSONResponse:
    """Answer with ``body`` encoded as JSON (any status: 200, 400, 429 with ``retry-after``...)."""

    body: Any
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class RawResponse:
    """Answer with raw bytes, for bodies that are deliberately not valid JSON."""

    body: bytes
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=lambda: {"content-type": "text/plain"})


@dataclass
class SSEEvent:
    """One server-sent event; ``data`` that is not a string is JSON-encoded.

    ``delay`` seconds pass before the event is sent, to test slow or stalling streams.
    """

    data: Any
    event: str | None = None
    delay: float = 0.0

    def encode(self) -> bytes:
        data = self.data if isinstance(self.data, str) else json.dumps(self.data)
        lines = [f"event: {self.event}"] if self.event else []
        lines += [f"data: {line}" for line in data.split("\n")]
        return ("\n".join(lines) + "\n\n").encode()


@dataclass
class SSEResponse:
    """Answer with a ``text/event-stream`` (chunked), one chunk per event.

    With ``close_after`` set, the connection is closed abruptly after that many events,
    without the terminating chunk, as a server that dies mid-stream would.
    """

    events: list[SSEEvent | Any]
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    close_after: int | None = None

    def normalized(self) -> list[SSEEvent]:
        return [e if isinstance(e, SSEEvent) else SSEEvent(e) for e in self.events]


@dataclass
class Stall:
    """Wait ``seconds`` before answering with ``then`` (or closing, when ``then`` is None).

    Use a stall longer than the client's timeout to test timeouts, or cancel the client
    during it to test cancellation: :meth:`WireServer.wait_for_disconnect` tells whether
    the client closed the connection while the server was stalling.
    """

    seconds: float
    then: ScriptedResponse | None = None


@dataclass
class CloseConnection:
    """Close the connection without answering, as an unreachable or crashing server would."""


ScriptedResponse = JSONResponse | RawResponse | SSEResponse | Stall | CloseConnection
"""Any response the server can be scripted with."""

Responder = Callable[[RecordedRequest], ScriptedResponse]
"""Computes the response to a request (the server's ``fallback`` when the script is empty)."""

Validator = Callable[[RecordedRequest], "ScriptedResponse | None"]
"""Checks a request as the real API would: None to accept it, else the error answer to send."""


class _ClientGone(Exception):
    """The client closed the connection while the server was waiting or writing."""


class WireServer:
    """An HTTP/1.1 server on 127.0.0.1 (random port) answering from a script.

    Use it as a context manager (or :meth:`start` / :meth:`stop`).  ``base_url`` is
    ``http://127.0.0.1:<port>`` (add the provider's path prefix yourself, e.g. ``/v1``).
    ``fallback`` computes a response when the script is empty; without it the server
    answers 500 naming the request that had no scripted response.  ``validator``
    refuses invalid requests with the error answer it returns (see :data:`Validator`).
    """

    def __init__(
        self, *, fallback: Responder | None = None, validator: Validator | None = None
    ) -> None:
        self._script: deque[ScriptedResponse] = deque()
        self._fallback = fallback
        self._validator = validator
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._rejections: list[tuple[RecordedRequest, ScriptedResponse]] = []
        self._disconnected = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._connections: set[asyncio.Task[None]] = set()
        self._accepted = 0

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> WireServer:
        """Start serving in a background thread; returns ``self``."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._on_connection, "127.0.0.1", 0)
                )
                self._port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="retinue-wire-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            loop.stop()

        loop.call_soon_threadsafe(lambda: loop.create_task(shutdown()))
        thread.join(timeout=10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> WireServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection ------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        if self._thread is None:
            raise RuntimeError("the wire server is not running; use it as a context manager")
        return f"http://127.0.0.1:{self._port}"

    def enqueue(self, *responses: ScriptedResponse) -> None:
        """Append responses to the script; each request takes the next one."""
        with self._lock:
            self._script.extend(responses)

    def extend(self, responses: Iterable[ScriptedResponse]) -> None:
        """Append every response of ``responses`` to the script."""
        self.enqueue(*responses)

    @property
    def pending(self) -> int:
        """How many scripted responses have not been served yet."""
        with self._lock:
            return len(self._script)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def rejections(self) -> list[tuple[RecordedRequest, ScriptedResponse]]:
        """Every request the validator refused, with the error it was answered (a copy)."""
        with self._lock:
            return list(self._rejections)

    @property
    def last_request(self) -> RecordedRequest:
        """The most recent request; fails clearly when there was none."""
        with self._lock:
            if not self._requests:
                raise AssertionError("the wire server has not received any request")
            return self._requests[-1]

    def wait_for_disconnect(self, timeout: float = 5.0) -> bool:
        """Whether a client hung up during a stall or a stream (waits up to ``timeout`` s)."""
        return self._disconnected.wait(timeout)

    # -- serving -------------------------------------------------------------------------

    def _next_response(self, request: RecordedRequest) -> ScriptedResponse:
        try:
            refusal = self._validator(request) if self._validator is not None else None
        except Exception as exc:  # a broken validator must fail the test, not hang it
            refusal = JSONResponse(
                {"error": {"message": f"wire server validator failed: {exc!r}"[:500]}}, status=500
            )
        with self._lock:
            self._requests.append(request)
            if refusal is not None:
                self._rejections.append((request, refusal))
                return refusal
            if self._script:
                return self._script.popleft()
        if self._fallback is not None:
            return self._fallback(request)
        return JSONResponse(
            {
                "error": {
                    "message": f"wire server: no scripted response left for "
                    f"{request.method} {request.path}",
                    "type": "wire_server_script_exhausted",
                }
            },
            status=500,
        )

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._accepted += 1
        connection = self._accepted
        try:
            while True:
                request = await _read_request(reader, connection)
                if request is None:
                    return
                keep_open = await self._answer(self._next_response(request), reader, writer)
                if not keep_open:
                    return
        except _ClientGone:
            self._disconnected.set()
        except (ConnectionError, asyncio.IncompleteReadError):
            self._disconnected.set()
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _answer(
        self, response: ScriptedResponse, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Send ``response``; returns whether the connection can serve another request."""
        if isinstance(response, Stall):
            await _wait_watching(reader, response.seconds)
            if response.then is None:
                return False
            return await self._answer(response.then, reader, writer)
        if isinstance(response, CloseConnection):
            return False
        if isinstance(response, JSONResponse):
            headers = {"content-type": "application/json", **response.headers}
            await _send(writer, response.status, headers, json.dumps(response.body).encode())
            return True
        if isinstance(response, RawResponse):
            await _send(writer, response.status, dict(response.headers), response.body)
            return True
        return await _send_events(response, reader, writer)


async def _read_request(reader: asyncio.StreamReader, connection: int) -> RecordedRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    arrived = time.monotonic()
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
    url = urlsplit(target)
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    return RecordedRequest(method, url.path, query, headers, body, connection, arrived)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return body
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def _send(
    writer: asyncio.StreamWriter, status: int, headers: Mapping[str, str], body: bytes
) -> None:
    head = _status_line(status) + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"content-length: {len(body)}\r\n\r\n"
    writer.write(head.encode("latin-1") + body)
    await _drain(writer)


async def _send_events(
    response: SSEResponse, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> bool:
    headers = {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        **response.headers,
        "transfer-encoding": "chunked",
    }
    head = _status_line(response.status) + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write((head + "\r\n").encode("latin-1"))
    await _drain(writer)
    for sent, event in enumerate(response.normalized()):
        if response.close_after is not None and sent >= response.close_after:
            return False
        if event.delay:
            await _wait_watching(reader, event.delay)
        payload = event.encode()
        writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        await _drain(writer)
    if response.close_after is not None and response.close_after <= len(response.events):
        return False
    writer.write(b"0\r\n\r\n")
    await _drain(writer)
    return True


async def _wait_watching(reader: asyncio.StreamReader, seconds: float) -> None:
    """Sleep ``seconds`` but notice (and report) a client that hangs up meanwhile."""
    try:
        data = await asyncio.wait_for(reader.read(1), timeout=seconds)
    except asyncio.TimeoutError:
        return
    if not data:
        raise _ClientGone
    # A pipelined byte is not expected from an HTTP client that waits for an answer.
    logger.debug("wire server: unexpected data from the client during a stall")


async def _drain(writer: asyncio.StreamWriter) -> None:
    try:
        await writer.drain()
    except ConnectionError as exc:
        raise _ClientGone from exc


def _status_line(status: int) -> str:
    return f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
