"""The one place that knows how mcp 1.x and 2.x differ.

Everything else in this package talks to the SDK through these helpers and reads
protocol objects as their JSON wire form (camelCase, the same in both majors), never
through attribute names (1.x ``isError``/``mimeType``, 2.x ``is_error``/``mime_type``).
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import IO, Any

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

__all__ = [
    "MCP_MAJOR",
    "McpProtocolError",
    "cancel_notification",
    "error_code",
    "from_wire",
    "next_request_id",
    "open_sse",
    "open_stdio",
    "open_streamable_http",
    "report_progress",
    "sdk_sends_cancellation",
    "to_wire",
    "watch_tool_list",
]

logger = logging.getLogger(__name__)

MCP_MAJOR = int(importlib.metadata.version("mcp").split(".")[0])

try:  # 2.x
    from mcp.shared.exceptions import MCPError as McpProtocolError
except ImportError:  # 1.x
    from mcp.shared.exceptions import McpError as McpProtocolError  # type: ignore[attr-defined,no-redef]

if MCP_MAJOR >= 2:
    import httpx2 as _httpx  # type: ignore[import-not-found,unused-ignore]
else:
    import httpx as _httpx  # type: ignore[no-redef,unused-ignore]


def to_wire(model: Any) -> Any:
    """A protocol object as its JSON wire form (plain dicts, camelCase keys)."""
    if hasattr(model, "model_dump"):
        return model.model_dump(by_alias=True, mode="json", exclude_none=True)
    return model


def from_wire(cls: Any, data: Mapping[str, Any]) -> Any:
    """Build a protocol object of ``cls`` from its wire form."""
    return cls.model_validate(dict(data))


def error_code(exc: BaseException) -> int | None:
    """The JSON-RPC error code of an SDK protocol error, else None."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    return code if isinstance(code, int) else None


def sdk_sends_cancellation() -> bool:
    """Whether the SDK itself sends ``notifications/cancelled`` for an abandoned request.

    2.x does; 1.x only stops waiting, so the workbench sends the notification itself.
    """
    return MCP_MAJOR >= 2


def next_request_id(session: ClientSession) -> Any:
    """The id the session gives its next request (1.x counts them from 0), else None."""
    value = getattr(session, "_request_id", None)
    return value if isinstance(value, int) else None


def cancel_notification(request_id: Any, reason: str) -> Any:
    """A ``notifications/cancelled`` for ``request_id``, ready for ``send_notification``."""
    return from_wire(
        types.ClientNotification,
        {
            "method": "notifications/cancelled",
            "params": {"requestId": request_id, "reason": reason},
        },
    )


async def report_progress(
    ctx: Any, progress: float, total: float | None, message: str | None
) -> None:
    """Send a progress notification for the request ``ctx`` (a tool's server context).

    The notification names its request, so over streamable HTTP it travels on that
    request's own response stream, before the result.  mcp 1.x's ``Context.report_progress``
    (1.25 among others) does not name it: the server then routes it to the standalone
    GET stream, where it is dropped while that stream is not open, and otherwise races
    the result on another connection and arrives after the client stopped listening.
    """
    if MCP_MAJOR >= 2:
        await ctx.report_progress(progress, total, message)
        return
    request = ctx.request_context
    token = request.meta.progressToken if request.meta is not None else None
    if token is None:  # the client asked for no progress
        return
    await request.session.send_progress_notification(
        progress_token=token,
        progress=progress,
        total=total,
        message=message,
        related_request_id=ctx.request_id,
    )


@asynccontextmanager
async def open_stdio(
    command: str,
    args: list[str],
    env: dict[str, str] | None,
    cwd: str | None,
    errlog: IO[str],
) -> AsyncIterator[tuple[Any, Any]]:
    """Spawn a stdio server; yields its ``(read, write)`` streams.

    Undecodable output is replaced rather than fatal: one bad byte must not end the
    session (the line it is on is then reported as unparsable, like any garbage).
    """
    params = StdioServerParameters(
        command=command, args=args, env=env, cwd=cwd, encoding_error_handler="replace"
    )
    async with stdio_client(params, errlog=errlog) as (read, write):
        yield read, write


def _http_client(
    headers: dict[str, str] | None,
    timeout: float,
    sse_read_timeout: float,
    on_status: Callable[[int], None],
) -> Any:
    client = create_mcp_http_client(
        headers=headers, timeout=_httpx.Timeout(timeout, read=sse_read_timeout)
    )

    # The SDKs turn an HTTP error into a generic JSON-RPC error; keep the status so
    # the error can say 401 (credentials) or 404 (URL).
    async def record(response: Any) -> None:
        if response.status_code >= 400:
            on_status(response.status_code)

    client.event_hooks["response"].append(record)
    return client


@asynccontextmanager
async def open_sse(
    url: str,
    headers: dict[str, str] | None,
    timeout: float,
    sse_read_timeout: float,
    on_status: Callable[[int], None],
) -> AsyncIterator[tuple[Any, Any]]:
    """Connect to an SSE server; yields its ``(read, write)`` streams.

    ``on_status`` hears every HTTP error status.
    """

    def factory(
        headers: dict[str, str] | None = None, timeout: Any = None, auth: Any = None
    ) -> Any:
        client = _http_client(headers, 5.0, 300.0, on_status)
        if timeout is not None:
            client.timeout = timeout
        return client

    async with sse_client(
        url,
        headers=headers,
        timeout=timeout,
        sse_read_timeout=sse_read_timeout,
        httpx_client_factory=factory,
    ) as streams:
        yield streams[0], streams[1]


@asynccontextmanager
async def open_streamable_http(
    url: str,
    headers: dict[str, str] | None,
    timeout: float,
    sse_read_timeout: float,
    terminate_on_close: bool,
    on_status: Callable[[int], None],
) -> AsyncIterator[tuple[Any, Any]]:
    """Connect to a streamable HTTP server; yields its ``(read, write)`` streams.

    1.x yields a third item (a session-id getter) that the workbench does not need.
    ``on_status`` hears every HTTP error status.
    """
    async with (
        _http_client(headers, timeout, sse_read_timeout, on_status) as client,
        streamable_http_client(
            url, http_client=client, terminate_on_close=terminate_on_close
        ) as streams,
    ):
        yield streams[0], streams[1]


@asynccontextmanager
async def watch_tool_list(
    session: ClientSession, on_change: Callable[[], Awaitable[None]]
) -> AsyncIterator[None]:
    """Call ``on_change`` whenever the server's tool list changes, while inside.

    Before protocol 2026-07-28 the server sends ``notifications/tools/list_changed`` on
    its own (the message handler sees it); from 2026-07-28 on (mcp 2.x) the client must
    ask for it with ``subscriptions/listen``, which this does when the server allows it.
    """
    if MCP_MAJOR < 2:
        yield
        return
    from mcp.client.subscriptions import listen

    async with AsyncExitStack() as stack:
        try:
            subscription = await stack.enter_async_context(listen(session, tools_list_changed=True))
        except Exception as exc:  # an older protocol or a server without subscriptions
            logger.debug("no tools/list_changed subscription: %s", exc)
            yield
            return

        async def pump() -> None:
            try:
                async for _ in subscription:
                    await on_change()
            except Exception as exc:  # a lost subscription ends only the watching
                logger.debug("tools/list_changed subscription ended: %s", exc)

        group = await stack.enter_async_context(anyio.create_task_group())
        group.start_soon(pump)
        try:
            yield
        finally:
            group.cancel_scope.cancel()
