"""``retinue mcp serve``: an agent or team served as an MCP server with one tool, ``run_task``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from retinue import RetinueError, bounded_text, load_component
from retinue.chat import TaskResult, TaskRunner

from ._compat import report_progress

__all__ = ["serve_command", "serve_task_runner"]

_PROGRESS_TEXT = 2000


def serve_task_runner(runner: TaskRunner, name: str = "retinue") -> Any:
    """An MCP server (the SDK's high-level server) whose ``run_task`` tool runs ``runner``.

    ``run_task(task)`` returns ``{"answer": <last message's text>, "stop_reason": ...}``;
    each message and event of the run is sent as a progress notification first.
    """
    try:  # mcp 2.x
        from mcp.server.mcpserver import Context, MCPServer as Server
    except ImportError:  # mcp 1.x
        from mcp.server.fastmcp import Context, FastMCP as Server  # type: ignore[no-redef]

    server = Server(name)

    async def run_task(task: str, ctx: Context) -> dict[str, Any]:  # type: ignore[type-arg]
        result: TaskResult | None = None
        count = 0
        async for item in runner.run_stream(task=task):
            if isinstance(item, TaskResult):
                result = item
                continue
            count += 1
            text = item.to_text() if hasattr(item, "to_text") else str(item)
            source = getattr(item, "source", "")
            await report_progress(
                ctx, count, None, f"{source}: {bounded_text(text, _PROGRESS_TEXT)}"
            )
        if result is None:
            raise RetinueError("the run ended without a result")
        last = result.messages[-1] if result.messages else None
        answer = last.to_text() if last is not None and hasattr(last, "to_text") else ""
        return {"answer": answer, "stop_reason": result.stop_reason}

    # The SDK reads the annotations to find the context parameter; with postponed
    # evaluation they are strings naming a local import, so give it the objects.
    run_task.__annotations__ = {"task": str, "ctx": Context, "return": dict[str, Any]}
    server.add_tool(
        run_task,
        name="run_task",
        description="Run a task with this agent or team; returns the final answer and why "
        "the run stopped. Messages stream as progress notifications.",
    )
    return server


def serve_command(args: argparse.Namespace) -> int:
    """The ``retinue mcp serve`` handler."""
    try:
        runner = load_component(Path(args.spec), trust_code=args.trust_code or None)
    except RetinueError as exc:
        print(f"retinue mcp serve: {exc}", file=sys.stderr)
        return 2
    if not isinstance(runner, TaskRunner):
        print(
            f"retinue mcp serve: {args.spec} is a {type(runner).__name__}, not an agent or "
            "team; give the spec of an agent or a team",
            file=sys.stderr,
        )
        return 2
    server = serve_task_runner(runner, args.name or type(runner).__name__)
    if args.transport == "stdio":
        server.run("stdio")
        return 0
    import uvicorn

    uvicorn.run(server.streamable_http_app(), host=args.host, port=args.port, log_level="warning")
    return 0
