"""McpWorkbench against npm's reference servers over stdio: server-everything (every
content type, prompts, resources, sampling, elicitation, roots, progress) and
server-filesystem (reads confined to its root), and an agent reading a file through it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from retinue.models import FunctionCall
from retinue.testing import ScriptedChatCompletionClient
from retinue.tools import ImageResultContent, TextResultContent, ToolResult
from retinue_mcp import McpProgressEvent, McpServerError, McpWorkbench, StdioServerParams

T = 60  # generous bound on anything that could hang


def everything(bin_dir: Path, **options: Any) -> StdioServerParams:
    return StdioServerParams(
        command=str(bin_dir / "mcp-server-everything"),
        args=["stdio"],
        read_timeout_seconds=30,
        **options,
    )


def filesystem(bin_dir: Path, root: Path) -> StdioServerParams:
    return StdioServerParams(
        command=str(bin_dir / "mcp-server-filesystem"), args=[str(root)], read_timeout_seconds=30
    )


async def test_everything_lists_its_tools_with_schemas(npm_servers: Path) -> None:
    async with McpWorkbench(everything(npm_servers)) as bench:
        schemas = {s["name"]: s for s in await asyncio.wait_for(bench.list_tools(), T)}
    assert {"echo", "get-sum", "get-tiny-image", "get-structured-content"} <= set(schemas)
    assert schemas["get-sum"]["parameters"]["required"] == ["a", "b"]
    assert schemas["get-sum"]["parameters"]["properties"]["a"]["type"] == "number"


async def test_everything_text_image_and_resource_results(npm_servers: Path) -> None:
    async with McpWorkbench(everything(npm_servers)) as bench:
        echoed = await asyncio.wait_for(bench.call_tool("echo", {"message": "hi"}), T)
        summed = await asyncio.wait_for(bench.call_tool("get-sum", {"a": 2, "b": 3}), T)
        image = await asyncio.wait_for(bench.call_tool("get-tiny-image", {}), T)
        text_ref = await bench.call_tool(
            "get-resource-reference", {"resourceType": "Text", "resourceId": 2}
        )
        links = await bench.call_tool("get-resource-links", {"count": 2})
    assert echoed.to_text() == "Echo: hi" and not echoed.is_error
    assert "5" in summed.to_text()
    images = [p for p in image.result if isinstance(p, ImageResultContent)]
    assert len(images) == 1 and images[0].content.mime_type == "image/png"
    assert isinstance(image.result[0], TextResultContent)
    assert "[resource demo://resource/dynamic/text/2]\nResource 2:" in text_ref.to_text()
    assert "[resource link" in links.to_text()
    assert "demo://resource/dynamic/text/2" in links.to_text()


async def test_everything_structured_content(npm_servers: Path) -> None:
    async with McpWorkbench(everything(npm_servers)) as bench:
        result = await asyncio.wait_for(
            bench.call_tool("get-structured-content", {"location": "Chicago"}), T
        )
    assert not result.is_error
    assert '"temperature"' in result.to_text() and '"humidity"' in result.to_text()


async def test_everything_bad_arguments_and_unknown_tool_keep_the_session(
    npm_servers: Path,
) -> None:
    async with McpWorkbench(everything(npm_servers)) as bench:
        bad = await asyncio.wait_for(bench.call_tool("get-sum", {"a": "two"}), T)
        unknown = await bench.call_tool("no-such-tool", {})
        after = await bench.call_tool("echo", {"message": "still here"})
    assert bad.is_error and "invalid arguments for tool 'get-sum'" in bad.to_text()
    assert unknown.is_error and "get-sum" in unknown.to_text()  # lists what exists
    assert after.to_text() == "Echo: still here"


async def test_everything_prompts_and_resources(npm_servers: Path) -> None:
    async with McpWorkbench(everything(npm_servers)) as bench:
        prompts = {p["name"] for p in await asyncio.wait_for(bench.list_prompts(), T)}
        prompt = await bench.get_prompt("args-prompt", {"city": "Oslo"})
        resources = await bench.list_resources()
        templates = await bench.list_resource_templates()
        content = await bench.read_resource("demo://resource/dynamic/text/3")
    assert {"simple-prompt", "args-prompt"} <= prompts
    assert "Oslo" in prompt["messages"][0]["content"]["text"]
    assert resources and all("uri" in r for r in resources)
    assert "demo://resource/dynamic/text/{resourceId}" in {t["uriTemplate"] for t in templates}
    assert content[0]["text"].startswith("Resource 3:")


async def test_everything_sampling_elicitation_and_roots(npm_servers: Path, tmp_path: Path) -> None:
    model = ScriptedChatCompletionClient(["sampled answer"])
    bench = McpWorkbench(
        everything(npm_servers),
        model_client=model,
        elicitation_input=lambda prompt: '{"name": "Ada"}',
        roots=[tmp_path],
    )
    async with bench:
        sampled = await asyncio.wait_for(
            bench.call_tool("trigger-sampling-request", {"prompt": "a question"}), T
        )
        elicited = await asyncio.wait_for(bench.call_tool("trigger-elicitation-request", {}), T)
        roots = await asyncio.wait_for(bench.call_tool("get-roots-list", {}), T)
    assert "sampled answer" in sampled.to_text()
    assert "a question" in str(model.requests[0].messages[-1].content)
    assert '"action": "accept"' in elicited.to_text() and "Ada" in elicited.to_text()
    assert tmp_path.resolve().as_uri() in roots.to_text()


async def test_everything_progress_streams_as_events(npm_servers: Path) -> None:
    async with McpWorkbench(everything(npm_servers)) as bench:

        async def collect() -> list[Any]:
            stream = bench.call_tool_stream(
                "trigger-long-running-operation", {"duration": 0.3, "steps": 3}
            )
            return [item async for item in stream]

        items = await asyncio.wait_for(collect(), T)
    events = [item for item in items if isinstance(item, McpProgressEvent)]
    assert [(e.progress, e.total) for e in events] == [(1, 3), (2, 3), (3, 3)]
    assert isinstance(items[-1], ToolResult) and "completed" in items[-1].to_text()


async def test_everything_sees_secret_env_values(npm_servers: Path) -> None:
    params = everything(npm_servers, env={"RETINUE_TEST_TOKEN": SecretStr("s3cret-value")})
    assert "s3cret-value" not in repr(params)
    async with McpWorkbench(params) as bench:
        result = await asyncio.wait_for(bench.call_tool("get-env", {}), T)
    assert "s3cret-value" in result.to_text()


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "note.txt").write_text("the launch code is 4711\n", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("not for the server\n", encoding="utf-8")
    return root


async def test_filesystem_reads_inside_its_root_only(npm_servers: Path, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    async with McpWorkbench(filesystem(npm_servers, root)) as bench:
        names = {tool["name"] for tool in await asyncio.wait_for(bench.list_tools(), T)}
        inside = await asyncio.wait_for(
            bench.call_tool("read_text_file", {"path": str(root / "docs" / "note.txt")}), T
        )
        listing = await bench.call_tool("list_directory", {"path": str(root / "docs")})
        outside = await bench.call_tool("read_text_file", {"path": str(tmp_path / "outside.txt")})
        escape = await bench.call_tool("read_text_file", {"path": str(root / ".." / "outside.txt")})
        after = await bench.call_tool("list_allowed_directories", {})
    assert {"read_text_file", "list_directory", "write_file", "search_files"} <= names
    assert inside.to_text().strip() == "the launch code is 4711" and not inside.is_error
    assert "[FILE] note.txt" in listing.to_text()
    for refused in (outside, escape):
        assert refused.is_error and "outside allowed directories" in refused.to_text()
        assert "not for the server" not in refused.to_text()
    assert str(root.resolve()) in after.to_text()


async def test_a_server_without_prompts_or_resources_lists_none(
    npm_servers: Path, tmp_path: Path
) -> None:
    root = _tree(tmp_path)
    async with McpWorkbench(filesystem(npm_servers, root)) as bench:
        prompts = await asyncio.wait_for(bench.list_prompts(), T)
        resources = await bench.list_resources()
        templates = await bench.list_resource_templates()
        with pytest.raises(McpServerError, match="offers no prompts"):
            await bench.get_prompt("anything")
        with pytest.raises(McpServerError, match="offers no resources"):
            await bench.read_resource("file:///etc/hostname")
        after = await bench.call_tool("list_allowed_directories", {})
    assert prompts == [] and resources == [] and templates == []
    assert not after.is_error


async def test_an_assistant_agent_reads_a_file_through_the_filesystem_server(
    npm_servers: Path, tmp_path: Path
) -> None:
    from retinue_agentchat.agents import AssistantAgent

    root = _tree(tmp_path)
    path = str(root / "docs" / "note.txt")
    model = ScriptedChatCompletionClient(
        [
            [FunctionCall(id="call-1", name="read_text_file", arguments=f'{{"path": "{path}"}}')],
            "The note says: the launch code is 4711.",
        ]
    )
    async with McpWorkbench(filesystem(npm_servers, root)) as bench:
        agent = AssistantAgent(
            "reader", model_client=model, workbench=bench, reflect_on_tool_use=True
        )
        result = await asyncio.wait_for(agent.run(task="What does docs/note.txt say?"), T)
    kinds = [type(message).__name__ for message in result.messages]
    assert kinds == [
        "TextMessage",
        "ToolCallRequestEvent",
        "ToolCallExecutionEvent",
        "TextMessage",
    ]
    execution = result.messages[2]
    assert execution.content[0].content.strip() == "the launch code is 4711"  # type: ignore[attr-defined]
    assert not execution.content[0].is_error  # type: ignore[attr-defined]
    # The model saw the file's content as the tool's result before it answered.
    second_request = model.requests[1].messages
    assert "the launch code is 4711" in str(second_request[-1].content)
    assert result.messages[-1].content == "The note says: the launch code is 4711."  # type: ignore[attr-defined]
