"""McpWorkbench against the mcp SDK's own server over stdio: the whole client side."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from retinue import CancelledError
from retinue.cancellation import CancellationToken
from retinue.testing import ScriptedChatCompletionClient, WorkbenchConformance
from retinue.tools import ImageResultContent, ToolOverride, ToolResult
from retinue_mcp import McpProgressEvent, McpWorkbench, mcp_server_tools

T = 60  # generous bound on anything that could hang


class TestMcpWorkbenchConformance(WorkbenchConformance):
    @pytest.fixture
    def workbench(self, stdio: Any) -> McpWorkbench:
        return McpWorkbench(stdio())

    @pytest.fixture
    def tool_call(self) -> tuple[str, dict[str, Any]]:
        return "add", {"a": 2, "b": 3}


async def test_every_content_type_maps_to_a_tool_result(stdio: Any) -> None:
    async with McpWorkbench(stdio()) as bench:
        result = await asyncio.wait_for(bench.call_tool("every_content", {}), T)
    assert not result.is_error
    kinds = [type(part).__name__ for part in result.result]
    assert kinds == ["TextResultContent", "ImageResultContent", *["TextResultContent"] * 4]
    image = result.result[1]
    assert isinstance(image, ImageResultContent) and image.content.mime_type == "image/png"
    text = result.to_text()
    assert "plain text" in text
    assert "[audio (audio/wav, 16 bytes) not shown]" in text
    assert "[resource data://notes]\nembedded" in text
    assert "binary resource data://blob (application/octet-stream, 3 bytes)" in text
    assert "resource link config: data://config (application/json) - the configuration" in text


async def test_structured_content_and_is_error(stdio: Any) -> None:
    async with McpWorkbench(stdio()) as bench:
        structured = await asyncio.wait_for(bench.call_tool("structured", {"city": "Oslo"}), T)
        failed = await asyncio.wait_for(bench.call_tool("fail", {"reason": "why"}), T)
    assert not structured.is_error and '"temperature": 21.5' in structured.to_text()
    assert failed.is_error and "fail" in failed.to_text()


async def test_prompts_and_resources(stdio: Any) -> None:
    async with McpWorkbench(stdio()) as bench:
        prompts = await asyncio.wait_for(bench.list_prompts(), T)
        prompt = await bench.get_prompt("greet", {"name": "Ada"})
        resources = await bench.list_resources()
        templates = await bench.list_resource_templates()
        contents = await bench.read_resource("data://config")
        item = await bench.read_resource("data://items/7")
    assert [p["name"] for p in prompts] == ["greet"]
    assert prompt["messages"][0]["content"]["text"] == "Please greet Ada warmly."
    assert [r["uri"] for r in resources] == ["data://config"]
    assert [t["uriTemplate"] for t in templates] == ["data://items/{item_id}"]
    assert contents[0]["text"] == '{"mode": "test"}'
    assert item[0]["text"] == "item 7"


async def test_sampling_is_answered_by_the_model_client(stdio: Any) -> None:
    model = ScriptedChatCompletionClient(["forty-two"])
    async with McpWorkbench(stdio(), model_client=model) as bench:
        result = await asyncio.wait_for(bench.call_tool("sample", {"prompt": "the answer?"}), T)
    assert result.to_text() == "model said: forty-two"
    assert "the answer?" in str(model.requests[0].messages[-1].content)


async def test_sampling_without_a_model_client_is_refused(stdio: Any) -> None:
    async with McpWorkbench(stdio()) as bench:
        result = await asyncio.wait_for(bench.call_tool("sample", {"prompt": "x"}), T)
    assert result.is_error


async def test_elicitation_goes_to_the_user_input_callback(stdio: Any) -> None:
    prompts: list[str] = []

    async def answer(prompt: str) -> str:
        prompts.append(prompt)
        return "Ada"

    async with McpWorkbench(stdio(), elicitation_input=answer) as bench:
        result = await asyncio.wait_for(bench.call_tool("ask_name", {}), T)
    assert result.to_text() == "hello Ada"
    assert "What is your name?" in prompts[0] and "name (string)" in prompts[0]


async def test_elicitation_declined_by_the_callback(stdio: Any) -> None:
    async with McpWorkbench(stdio(), elicitation_input=lambda prompt: "decline") as bench:
        result = await asyncio.wait_for(bench.call_tool("ask_name", {}), T)
    assert result.to_text() == "no name (decline)"


async def test_elicitation_without_a_callback_is_refused_cleanly(stdio: Any) -> None:
    async with McpWorkbench(stdio()) as bench:
        refused = await asyncio.wait_for(bench.call_tool("ask_name", {}), T)
        after = await asyncio.wait_for(bench.call_tool("add", {"a": 1, "b": 1}), T)
    assert refused.is_error
    assert after.to_text() == "2", "the session stays usable after a refused elicitation"


async def test_roots_are_offered_and_can_change(stdio: Any, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    async with McpWorkbench(stdio(), roots=[tmp_path]) as bench:
        first = await asyncio.wait_for(bench.call_tool("roots", {}), T)
        await bench.set_roots([other])
        second = await asyncio.wait_for(bench.call_tool("roots", {}), T)
    assert first.to_text() == tmp_path.resolve().as_uri()
    assert second.to_text() == other.resolve().as_uri()


async def test_tool_list_changed_refreshes_the_tools(stdio: Any) -> None:
    async with McpWorkbench(stdio()) as bench:
        before = {tool["name"] for tool in await asyncio.wait_for(bench.list_tools(), T)}
        await asyncio.wait_for(bench.call_tool("add_late_tool", {}), T)
        for _ in range(100):  # the notification arrives on its own
            after = {tool["name"] for tool in await bench.list_tools()}
            if "late_tool" in after:
                break
            await asyncio.sleep(0.05)
    assert "late_tool" not in before and "late_tool" in after


async def test_progress_notifications_stream_as_events(stdio: Any) -> None:
    items: list[Any] = []
    async with McpWorkbench(stdio()) as bench:

        async def collect() -> None:
            async for item in bench.call_tool_stream("progress", {"steps": 3}):
                items.append(item)

        await asyncio.wait_for(collect(), T)
    events = [item for item in items if isinstance(item, McpProgressEvent)]
    assert [(e.progress, e.total, e.message) for e in events] == [
        (1, 3, "step 1"),
        (2, 3, "step 2"),
        (3, 3, "step 3"),
    ]
    assert events[0].to_text() == "1/3: step 1"
    assert isinstance(items[-1], ToolResult) and items[-1].to_text() == "done"


async def test_filters_and_overrides(stdio: Any) -> None:
    bench = McpWorkbench(
        stdio(),
        tool_overrides={"add": ToolOverride(name="plus", description="Sum.")},
        tools=["add", "echo"],
    )
    async with bench:
        schemas = await asyncio.wait_for(bench.list_tools(), T)
        result = await bench.call_tool("plus", {"a": 1, "b": 2})
        hidden = await bench.call_tool("huge", {"size": 1})
    assert {s["name"]: s["description"] for s in schemas} == {
        "plus": "Sum.",
        "echo": "Echo the text back.",
    }
    assert result.name == "plus" and result.to_text() == "3"
    assert hidden.is_error and "not found" in hidden.to_text()


async def test_mcp_server_tools_share_one_session(stdio: Any) -> None:
    tools = await asyncio.wait_for(mcp_server_tools(stdio()), T)
    try:
        by_name = {tool.name: tool for tool in tools}
        first = await by_name["pid"].run_json({}, CancellationToken())
        second = await by_name["pid"].run_json({}, CancellationToken())
        added = await by_name["add"].run_json({"a": 1, "b": 4}, CancellationToken())
    finally:
        await tools[0].workbench.stop()
    assert first.to_text() == second.to_text()
    assert by_name["add"].return_value_as_string(added) == "5"


async def test_per_call_timeout_cancels_on_the_server(stdio: Any, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    async with McpWorkbench(stdio(), timeout=1.0) as bench:
        result = await asyncio.wait_for(
            bench.call_tool("sleep", {"seconds": 30, "marker": str(marker)}), T
        )
        after = await asyncio.wait_for(bench.call_tool("add", {"a": 1, "b": 1}), T)
        for _ in range(100):
            if marker.exists():
                break
            await asyncio.sleep(0.05)
    assert result.is_error and "did not answer within 1 s" in result.to_text()
    assert after.to_text() == "2"
    assert marker.read_text() == "cancelled", "the server was not told to cancel"


async def test_cancellation_token_sends_the_cancellation(stdio: Any, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    token = CancellationToken()
    async with McpWorkbench(stdio()) as bench:
        await asyncio.wait_for(bench.list_tools(), T)
        call = asyncio.ensure_future(
            bench.call_tool("sleep", {"seconds": 30, "marker": str(marker)}, token)
        )
        await asyncio.sleep(0.5)
        token.cancel()
        with pytest.raises(CancelledError):
            await asyncio.wait_for(call, T)
        for _ in range(100):
            if marker.exists():
                break
            await asyncio.sleep(0.05)
        after = await asyncio.wait_for(bench.call_tool("add", {"a": 2, "b": 2}), T)
    assert marker.read_text() == "cancelled"
    assert after.to_text() == "4"
