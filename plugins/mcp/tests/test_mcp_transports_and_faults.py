"""McpWorkbench over SSE and streamable HTTP, its session lifecycle, and bad input."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import pytest
from retinue import RetinueError, load_component
from retinue_mcp import (
    McpServerError,
    McpWorkbench,
    SseServerParams,
    StdioServerParams,
    StreamableHttpServerParams,
)

T = 60


@pytest.mark.parametrize("transport", ["sse", "streamable_http"])
async def test_http_transports_list_and_call(transport: str, sse_url: str, http_url: str) -> None:
    params: Any = (
        SseServerParams(url=sse_url)
        if transport == "sse"
        else StreamableHttpServerParams(url=http_url)
    )
    async with McpWorkbench(params) as bench:
        names = {tool["name"] for tool in await asyncio.wait_for(bench.list_tools(), T)}
        result = await asyncio.wait_for(bench.call_tool("add", {"a": 20, "b": 22}), T)
        # Several calls: progress that is not tied to its request (mcp 1.25's servers)
        # is lost on some calls only.
        runs = []
        for _ in range(5):
            runs.append([item async for item in bench.call_tool_stream("progress", {"steps": 2})])
    assert {"add", "echo", "progress"} <= names
    assert result.to_text() == "42"
    for events in runs:
        assert [type(item).__name__ for item in events] == [
            "McpProgressEvent",
            "McpProgressEvent",
            "ToolResult",
        ]
        assert events[-1].to_text() == "done"


async def test_lazy_start_and_one_session_for_all_calls(stdio: Any) -> None:
    bench = McpWorkbench(stdio())
    try:
        assert bench._connection.session is None  # nothing started yet
        first = await asyncio.wait_for(bench.call_tool("pid", {}), T)
        second = await asyncio.wait_for(bench.call_tool("pid", {}), T)
    finally:
        await bench.stop()
    assert first.to_text() == second.to_text()


async def test_a_dead_server_fails_the_call_and_is_restarted(stdio: Any) -> None:
    async with McpWorkbench(stdio()) as bench:
        before = await asyncio.wait_for(bench.call_tool("pid", {}), T)
        crashed = await asyncio.wait_for(bench.call_tool("crash", {}), T)
        after = await asyncio.wait_for(bench.call_tool("pid", {}), T)
    assert crashed.is_error
    assert "closed the connection" in crashed.to_text()
    assert "the next call starts it again" in crashed.to_text()
    assert not after.is_error and after.to_text() != before.to_text()


async def test_command_not_found() -> None:
    bench = McpWorkbench(StdioServerParams(command="no-such-mcp-server-command"))
    with pytest.raises(McpServerError, match="'no-such-mcp-server-command' not found"):
        await asyncio.wait_for(bench.start(), T)
    result = await asyncio.wait_for(bench.call_tool("add", {}), T)
    assert result.is_error and "not found; install it" in result.to_text()


async def test_server_that_exits_at_start_shows_its_stderr(stdio: Any) -> None:
    bench = McpWorkbench(stdio("--exit-at-start"))
    with pytest.raises(McpServerError, match="missing configuration file"):
        await asyncio.wait_for(bench.start(), T)
    await bench.stop()


async def test_garbage_and_non_utf8_on_stdout_keep_the_session(
    stdio: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="retinue_mcp")
    async with McpWorkbench(stdio("--garbage-at-start")) as bench:
        first = await asyncio.wait_for(bench.call_tool("garbage", {}), T)
        second = await asyncio.wait_for(bench.call_tool("add", {"a": 1, "b": 2}), T)
    assert first.to_text() == "still here" and second.to_text() == "3"
    assert "not a protocol message" in caplog.text


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, "HTTP 401; check the credentials"), (404, "HTTP 404"), (500, "HTTP 500")],
)
async def test_http_errors_are_clear(raw_http: Any, status: int, expected: str) -> None:
    url = await raw_http(status)
    bench = McpWorkbench(StreamableHttpServerParams(url=url, timeout=5))
    with pytest.raises(McpServerError, match=expected):
        await asyncio.wait_for(bench.start(), T)
    result = await asyncio.wait_for(bench.call_tool("add", {}), T)
    assert result.is_error and expected in result.to_text()


async def test_a_hanging_server_times_out(raw_http: Any) -> None:
    url = await raw_http(None)
    bench = McpWorkbench(StreamableHttpServerParams(url=url, timeout=1, sse_read_timeout=1))
    with pytest.raises(McpServerError, match="within 1 s"):
        await asyncio.wait_for(bench.start(), T)


async def test_unknown_tool_and_bad_arguments(stdio: Any) -> None:
    async with McpWorkbench(stdio()) as bench:
        unknown = await asyncio.wait_for(bench.call_tool("nope", {}), T)
        bad = await bench.call_tool("add", {"a": "one"})
        good = await bench.call_tool("add", {"a": 1, "b": 1})
    assert unknown.is_error and "'nope' not found" in unknown.to_text()
    assert "add" in unknown.to_text(), "the error lists the available tools"
    assert bad.is_error
    assert "'b' is a required property" in bad.to_text()
    assert "'one' is not of type 'integer'" in bad.to_text()
    assert good.to_text() == "2"


async def test_huge_results_are_capped_with_a_note(stdio: Any) -> None:
    async with McpWorkbench(stdio(), max_result_chars=1000) as bench:
        result = await asyncio.wait_for(bench.call_tool("huge", {"size": 50_000}), T)
    text = result.to_text()
    assert not result.is_error
    assert text.startswith("x" * 1000) and "x" * 1001 not in text
    assert "[result cut: 1000 of 50000 characters shown (limit 1000)" in text


def test_env_values_are_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_TEST_TOKEN", "s3cr3t-value")
    params = StdioServerParams(command="server", env={"MCP_TEST_TOKEN": "s3cr3t-value"})
    bench = McpWorkbench(params)
    spec = bench.dump_component()
    assert spec.config["server_params"]["env"] == {"MCP_TEST_TOKEN": {"env": "MCP_TEST_TOKEN"}}
    assert "s3cr3t-value" not in repr(params) + repr(spec) + spec.model_dump_json()
    loaded = load_component(spec)
    assert loaded.server_params.clear_env() == {"MCP_TEST_TOKEN": "s3cr3t-value"}
    clear = McpWorkbench(StdioServerParams(command="server", env={"OTHER": "typed-in-clear"}))
    with pytest.raises(RetinueError, match="never writes secrets") as refused:
        clear.dump_component()
    assert "typed-in-clear" not in str(refused.value)


def test_autogen_workbench_spec_loads() -> None:
    spec = {
        "provider": "autogen_ext.tools.mcp.McpWorkbench",
        "component_type": "workbench",
        "version": 1,
        "component_version": 1,
        "description": "A workbench that wraps an MCP server.",
        "label": "McpWorkbench",
        "config": {
            "server_params": {
                "type": "StdioServerParams",
                "command": sys.executable,
                "args": ["-m", "server"],
                "env": None,
                "read_timeout_seconds": 5,
            },
            "tool_overrides": {"fetch": {"name": "get_page", "description": "Fetch a page."}},
        },
    }
    bench = load_component(spec)
    assert isinstance(bench, McpWorkbench)
    assert bench.server_params.args == ["-m", "server"]
    http = load_component(
        {
            "provider": "autogen_ext.tools.mcp.McpWorkbench",
            "component_type": "workbench",
            "config": {
                "server_params": {
                    "type": "StreamableHttpServerParams",
                    "url": "http://127.0.0.1:1/mcp",
                    "timeout": 30.0,
                    "sse_read_timeout": 300.0,
                    "terminate_on_close": True,
                }
            },
        }
    )
    assert isinstance(http.server_params, StreamableHttpServerParams)
