"""``retinue mcp serve``: an agent served over MCP, called through stdio and streamable HTTP."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat import AssistantAgent
from retinue_mcp import McpProgressEvent, McpWorkbench, StdioServerParams
from retinue_mcp._compat import open_streamable_http

T = 120
RETINUE = shutil.which("retinue", path=str(Path(sys.executable).parent)) or "retinue"


@pytest.fixture
def agent_spec(tmp_path: Path) -> Path:
    agent = AssistantAgent(
        "helper", model_client=ScriptedChatCompletionClient(["The answer is 42."], cycle=True)
    )
    path = tmp_path / "agent.json"
    path.write_text(agent.dump_component().model_dump_json(), encoding="utf-8")
    return path


async def test_round_trip_workbench_calls_a_served_agent_over_stdio(agent_spec: Path) -> None:
    params = StdioServerParams(
        command=RETINUE, args=["mcp", "serve", str(agent_spec)], read_timeout_seconds=60
    )
    items: list[Any] = []
    async with McpWorkbench(params) as bench:
        tools = await asyncio.wait_for(bench.list_tools(), T)

        async def collect() -> None:
            async for item in bench.call_tool_stream("run_task", {"task": "What is it?"}):
                items.append(item)

        await asyncio.wait_for(collect(), T)
    assert [tool["name"] for tool in tools] == ["run_task"]
    progress = [item.message for item in items if isinstance(item, McpProgressEvent)]
    assert progress == ["user: What is it?", "helper: The answer is 42."]
    assert '"answer": "The answer is 42."' in items[-1].to_text()
    assert '"stop_reason"' in items[-1].to_text()


async def test_served_over_streamable_http_to_the_sdk_client(agent_spec: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            RETINUE,
            "mcp",
            "serve",
            str(agent_spec),
            "--transport",
            "streamable-http",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        progress: list[str | None] = []

        async def on_progress(value: float, total: float | None, message: str | None) -> None:
            progress.append(message)

        async def call() -> Any:
            async with (
                open_streamable_http(
                    f"http://127.0.0.1:{port}/mcp", None, 30, 300, True, lambda status: None
                ) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                # Several runs: progress not tied to its request is lost on some only.
                return [
                    await session.call_tool(
                        "run_task", {"task": "Go"}, progress_callback=on_progress
                    )
                    for _ in range(3)
                ]

        results = await asyncio.wait_for(call(), T)
    finally:
        process.terminate()
        process.wait(timeout=30)
    for result in results:
        assert "The answer is 42." in result.content[0].text
    assert progress == ["user: Go", "helper: The answer is 42."] * 3


def test_serve_refuses_a_spec_that_is_not_an_agent(tmp_path: Path) -> None:
    spec = tmp_path / "model.json"
    spec.write_text(ScriptedChatCompletionClient(["x"]).dump_component().model_dump_json())
    done = subprocess.run(
        [RETINUE, "mcp", "serve", str(spec)], capture_output=True, text=True, timeout=T
    )
    assert done.returncode == 2 and "not an agent or team" in done.stderr
