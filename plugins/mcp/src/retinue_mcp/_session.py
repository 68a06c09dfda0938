"""One live MCP session, held open by a task of its own.

The SDK's transports and ``ClientSession`` are anyio context managers that must be
entered and left in the same task, so a host task owns them for the session's life;
callers in any task send requests through the session it hands out.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import IO, Any

from mcp import ClientSession
from retinue import bounded_text

from ._compat import (
    error_code,
    open_sse,
    open_stdio,
    open_streamable_http,
    to_wire,
    watch_tool_list,
)
from ._errors import McpServerError
from ._params import SseServerParams, StdioServerParams, StreamableHttpServerParams

__all__ = ["Connection", "is_connection_loss"]

logger = logging.getLogger(__name__)

# JSON-RPC code the SDK gives pending requests when the transport closes.
_CONNECTION_CLOSED = -32000
_STDERR_TAIL = 600

Params = StdioServerParams | SseServerParams | StreamableHttpServerParams


def is_connection_loss(exc: BaseException) -> bool:
    """Whether ``exc`` means the transport is gone (the server exited or hung up)."""
    import anyio

    if isinstance(exc, (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream)):
        return True
    if isinstance(exc, (ConnectionError, BrokenPipeError)):
        return True
    return error_code(exc) == _CONNECTION_CLOSED


def _flatten(exc: BaseException) -> BaseException:
    """The first leaf of an exception group (anyio task groups wrap failures in them)."""
    inner = getattr(exc, "exceptions", None)
    while isinstance(inner, tuple) and inner:
        exc = inner[0]
        inner = getattr(exc, "exceptions", None)
    return exc


class Connection:
    """Starts a session, hands it out while it lives, and tells when it died."""

    def __init__(
        self,
        params: Params,
        session_kwargs: Callable[[], dict[str, Any]],
        on_tools_changed: Callable[[], Awaitable[None]],
    ) -> None:
        self._params = params
        self._session_kwargs = session_kwargs
        self._on_tools_changed = on_tools_changed
        self._host: asyncio.Task[None] | None = None
        self._closing: asyncio.Event | None = None
        self._session: ClientSession | None = None
        self._errlog: IO[str] | None = None
        self._failure: BaseException | None = None
        self._http_status: int | None = None
        self._capabilities: dict[str, Any] = {}

    @property
    def capabilities(self) -> dict[str, Any]:
        """What the server declared in its ``initialize`` answer (wire form), by feature."""
        return self._capabilities

    @property
    def session(self) -> ClientSession | None:
        """The live session, or None when not started or no longer alive."""
        if self._host is None or self._host.done():
            return None
        return self._session

    def describe(self) -> str:
        """The server for messages (command or URL, never secrets)."""
        return self._params.describe()

    def stderr_tail(self) -> str:
        """The end of what a stdio server wrote to stderr, for error messages."""
        if self._errlog is None:
            return ""
        try:
            self._errlog.flush()
            self._errlog.seek(0)
            text = self._errlog.read()
        except (OSError, ValueError):
            return ""
        text = text.strip()
        if not text:
            return ""
        return "; its stderr ends with: " + bounded_text(text[-_STDERR_TAIL:], _STDERR_TAIL)

    def _transport(self) -> AbstractAsyncContextManager[tuple[Any, Any]]:
        params = self._params
        if isinstance(params, StdioServerParams):
            # Kept open for the session's life (closed in close()): the tail goes into
            # the error when the server fails.
            self._errlog = tempfile.TemporaryFile(  # noqa: SIM115
                "w+", encoding="utf-8", errors="replace"
            )
            return open_stdio(
                params.command, params.args, params.clear_env(), params.cwd, self._errlog
            )
        if isinstance(params, SseServerParams):
            return open_sse(
                params.url,
                params.clear_headers(),
                params.timeout,
                params.sse_read_timeout,
                self._record_status,
            )
        return open_streamable_http(
            params.url,
            params.clear_headers(),
            params.timeout,
            params.sse_read_timeout,
            params.terminate_on_close,
            self._record_status,
        )

    def _record_status(self, status: int) -> None:
        if self._session is None and self._http_status is None:
            self._http_status = status

    def startup_timeout(self) -> float:
        """How long the start (spawn or connect, then ``initialize``) and every request
        other than a tool call may take."""
        params = self._params
        if isinstance(params, StdioServerParams):
            return max(params.read_timeout_seconds, 1.0)
        return max(params.timeout, 1.0)

    def note_transport_error(self, exc: Exception) -> None:
        """Record a transport error seen before the session was ready (fails the start)."""
        if self._session is None and self._failure is None:
            self._failure = exc

    async def _run(self, ready: asyncio.Future[ClientSession]) -> None:
        assert self._closing is not None
        try:
            async with AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport())
                session = await stack.enter_async_context(
                    # Timeouts are applied per request by the workbench: a tool call's
                    # limit must not bound the handshake, nor the reverse.
                    ClientSession(read, write, **self._session_kwargs())
                )
                initialized = to_wire(await session.initialize())
                self._capabilities = dict(initialized.get("capabilities") or {})
                await stack.enter_async_context(watch_tool_list(session, self._on_tools_changed))
                self._session = session
                if not ready.done():
                    ready.set_result(session)
                await self._closing.wait()
        except BaseException as exc:  # the session's end, whatever ended it
            if not ready.done():
                ready.set_exception(_flatten(exc) if isinstance(exc, Exception) else exc)
            elif not isinstance(exc, asyncio.CancelledError):
                logger.info("MCP session with %s ended: %s", self.describe(), _flatten(exc))
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self._session = None

    def _start_error(self, exc: BaseException) -> McpServerError:
        where = self.describe()
        cause = self._failure or exc
        if isinstance(cause, FileNotFoundError) and isinstance(self._params, StdioServerParams):
            return McpServerError(
                f"cannot start the MCP server {where!r}: command "
                f"{self._params.command!r} not found; install it or give its full path"
            )
        if isinstance(cause, (TimeoutError, asyncio.TimeoutError)):
            return McpServerError(
                f"the MCP server {where!r} did not complete the initialize handshake within "
                f"{self.startup_timeout():g} s{self.stderr_tail()}; check that it is an MCP "
                "server and that it is responsive, or raise the timeout"
            )
        text = bounded_text(str(cause) or type(cause).__name__, 300)
        status = self._http_status or _http_status(cause)
        if status is not None:
            return McpServerError(
                f"the MCP server {where!r} answered HTTP {status}"
                + (
                    "; check the credentials in the headers"
                    if status in (401, 403)
                    else "; check the URL and that the server is running"
                )
            )
        return McpServerError(
            f"the MCP server {where!r} could not be started or reached "
            f"({type(cause).__name__}: {text}){self.stderr_tail()}; check the server "
            "parameters, then call again (a new session is started on each attempt)"
        )

    async def open(self) -> ClientSession:
        """Start a session; raises :class:`McpServerError` saying why it could not."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[ClientSession] = loop.create_future()
        self._closing = asyncio.Event()
        self._failure = None
        self._http_status = None
        self._host = loop.create_task(self._run(ready), name=f"mcp-session {self.describe()}")
        try:
            return await asyncio.wait_for(asyncio.shield(ready), self.startup_timeout())
        except asyncio.CancelledError:
            await self.close()
            raise
        except BaseException as exc:
            # Built before closing: the message quotes the server's stderr, which
            # closing discards.
            error = exc if isinstance(exc, McpServerError) else self._start_error(exc)
            await self.close()
            raise error from None

    async def close(self) -> None:
        """End the session and wait (boundedly) for the server to be stopped."""
        host, self._host = self._host, None
        if host is None:
            return
        if self._closing is not None:
            self._closing.set()
        if not host.done():
            done, _ = await asyncio.wait({host}, timeout=10.0)
            if not done:
                host.cancel()
                await asyncio.wait({host}, timeout=5.0)
        if host.done() and not host.cancelled():
            host.exception()  # retrieved: a failed session was already reported
        if self._errlog is not None:
            self._errlog.close()
            self._errlog = None


def _http_status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None
