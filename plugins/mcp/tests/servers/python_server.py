"""An MCP server written with the mcp SDK (1.x or 2.x), for the workbench's tests.

python python_server.py [stdio|sse|streamable-http] [--port N] [--garbage-at-start]
                        [--exit-at-start]
"""

from __future__ import annotations

import argparse
import base64
import os
import sys

import anyio
from pydantic import BaseModel

try:  # mcp 2.x
    from mcp.server.mcpserver import Context, MCPServer as Server
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import Context, FastMCP as Server  # type: ignore[no-redef]
from mcp import types
from retinue_mcp._compat import report_progress

server = Server("retinue-test-server")
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.tool()
def every_content() -> list:  # type: ignore[type-arg]
    """Return one block of each content type."""
    return [
        types.TextContent.model_validate({"type": "text", "text": "plain text"}),
        types.ImageContent.model_validate({"type": "image", "data": PNG, "mimeType": "image/png"}),
        types.AudioContent.model_validate(
            {
                "type": "audio",
                "data": base64.b64encode(b"RIFF" * 4).decode(),
                "mimeType": "audio/wav",
            }
        ),
        types.EmbeddedResource.model_validate(
            {
                "type": "resource",
                "resource": {"uri": "data://notes", "mimeType": "text/plain", "text": "embedded"},
            }
        ),
        types.EmbeddedResource.model_validate(
            {
                "type": "resource",
                "resource": {
                    "uri": "data://blob",
                    "mimeType": "application/octet-stream",
                    "blob": base64.b64encode(b"\x00\x01\x02").decode(),
                },
            }
        ),
        types.ResourceLink.model_validate(
            {
                "type": "resource_link",
                "uri": "data://config",
                "name": "config",
                "description": "the configuration",
                "mimeType": "application/json",
            }
        ),
    ]


@server.tool()
def structured(city: str) -> dict[str, float]:
    """Structured weather."""
    return {"temperature": 21.5, "humidity": 0.4}


@server.tool()
def fail(reason: str) -> str:
    """Always fails."""
    raise ValueError(f"failed on purpose: {reason}")


@server.tool()
def huge(size: int) -> str:
    """A long text."""
    return "x" * size


@server.tool()
async def progress(steps: int, ctx: Context) -> str:  # type: ignore[type-arg]
    """Report progress, then finish."""
    for step in range(1, steps + 1):
        # Tied to its request, so streamable HTTP delivers it before the result on
        # mcp 1.x too (see report_progress).
        await report_progress(ctx, step, steps, f"step {step}")
    return "done"


@server.tool()
async def sleep(seconds: float, marker: str = "") -> str:
    """Sleep; a cancelled sleep writes 'cancelled' to the marker file."""
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        if marker:
            with open(marker, "w") as handle:
                handle.write("cancelled")
        raise
    return "slept"


@server.tool()
async def sample(prompt: str, ctx: Context) -> str:  # type: ignore[type-arg]
    """Ask the client's model."""
    message = types.SamplingMessage.model_validate(
        {"role": "user", "content": {"type": "text", "text": prompt}}
    )
    result = await ctx.session.create_message(messages=[message], max_tokens=50)
    return f"model said: {result.content.text}"  # type: ignore[union-attr]


class Name(BaseModel):
    name: str


@server.tool()
async def ask_name(ctx: Context) -> str:  # type: ignore[type-arg]
    """Elicit the user's name."""
    result = await ctx.elicit("What is your name?", schema=Name)
    if result.action == "accept":
        return f"hello {result.data.name}"  # type: ignore[union-attr]
    return f"no name ({result.action})"


@server.tool()
async def roots(ctx: Context) -> str:  # type: ignore[type-arg]
    """List the client's roots."""
    listed = await ctx.session.list_roots()
    return ",".join(str(root.uri) for root in listed.roots)


def late_tool() -> str:
    """A tool added at run time."""
    return "late"


@server.tool()
async def add_late_tool(ctx: Context) -> str:  # type: ignore[type-arg]
    """Register late_tool and tell the client the tool list changed."""
    server.add_tool(late_tool)
    # The notification (protocols up to 2025-11-25) and, on 2.x, the event that
    # subscriptions/listen delivers on 2026-07-28 sessions.
    await ctx.session.send_tool_list_changed()
    notify = getattr(ctx, "notify_tools_changed", None)
    if notify is not None:
        await notify()
    return "added"


@server.tool()
def garbage() -> str:
    """Write a non-protocol, non-UTF-8 line to stdout, then answer."""
    os.write(1, b"\xff\xfe this is not json \xc3\x28\n")
    return "still here"


@server.tool()
def pid() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool()
def crash() -> str:
    """Exit the server process at once."""
    os._exit(3)


@server.prompt()
def greet(name: str) -> str:
    """Greet someone."""
    return f"Please greet {name} warmly."


@server.resource("data://config")
def config() -> str:
    """The configuration."""
    return '{"mode": "test"}'


@server.resource("data://items/{item_id}")
def item(item_id: str) -> str:
    """One item."""
    return f"item {item_id}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("transport", nargs="?", default="stdio")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--garbage-at-start", action="store_true")
    parser.add_argument("--exit-at-start", action="store_true")
    args = parser.parse_args()
    if args.exit_at_start:
        print("fatal: missing configuration file", file=sys.stderr)
        sys.exit(2)
    if args.garbage_at_start:
        os.write(1, b"Welcome to the server! \xff\n{not json}\n")
    if args.transport == "stdio":
        server.run("stdio")
        return
    import uvicorn

    app = server.sse_app() if args.transport == "sse" else server.streamable_http_app()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
