"""LangChainToolAdapter and as_langchain_tool with real langchain-core tools."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from langchain_core.tools import StructuredTool, ToolException, tool
from pydantic import BaseModel, Field
from retinue import RetinueError, ToolError, load_component
from retinue.cancellation import CancellationToken
from retinue.testing._suites_tool import check_tool_schema
from retinue.tools import FunctionTool, StaticWorkbench
from retinue_langchain import LangChainToolAdapter, as_langchain_tool


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
async def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


class SearchArgs(BaseModel):
    query: str = Field(description="what to look for")
    limit: int = 3


def _search(query: str, limit: int = 3) -> str:
    return f"{limit} results for {query}"


search = StructuredTool.from_function(
    _search, name="search", description="Search.", args_schema=SearchArgs
)


@tool(response_format="content_and_artifact")
def fetch(url: str) -> tuple[str, dict[str, int]]:
    """Fetch a page."""
    return f"fetched {url}", {"bytes": 42}


@tool
def broken(x: int) -> int:
    """Always fails."""
    raise ToolException(f"cannot handle {x}")


async def run(adapter: LangChainToolAdapter, args: dict[str, object]) -> object:
    return await adapter.run_json(args, CancellationToken())


async def test_sync_and_async_tools() -> None:
    assert await run(LangChainToolAdapter(add), {"a": 2, "b": 3}) == "5"
    assert await run(LangChainToolAdapter(shout), {"text": "hi"}) == "HI"


def test_schemas() -> None:
    schema = LangChainToolAdapter(search).schema
    check_tool_schema(schema)
    assert schema["name"] == "search" and schema["description"] == "Search."
    params = schema["parameters"]
    assert params["required"] == ["query"]
    assert params["properties"]["query"] == {"description": "what to look for", "type": "string"}
    assert params["properties"]["limit"]["default"] == 3
    check_tool_schema(LangChainToolAdapter(add).schema)


async def test_structured_tool_with_args_schema_and_artifacts() -> None:
    assert await run(LangChainToolAdapter(search), {"query": "mcp"}) == "3 results for mcp"
    adapter = LangChainToolAdapter(fetch)
    assert await run(adapter, {"url": "http://x"}) == "fetched http://x"
    assert adapter.last_artifact == {"bytes": 42}


async def test_tool_errors_reach_the_model_as_error_results() -> None:
    with pytest.raises(ToolError, match="cannot handle 7"):
        await run(LangChainToolAdapter(broken), {"x": 7})
    bench = StaticWorkbench([LangChainToolAdapter(broken), LangChainToolAdapter(add)])
    failed = await bench.call_tool("broken", {"x": 7})
    wrong = await bench.call_tool("add", {"a": "not a number", "b": 1})
    assert failed.is_error and "cannot handle 7" in failed.to_text()
    assert wrong.is_error and "add" in wrong.to_text()


async def test_retinue_tools_run_in_langchain() -> None:
    def divide(a: float, b: float) -> float:
        """Divide a by b."""
        return a / b

    lc = as_langchain_tool(FunctionTool(divide, "Divide a by b."))
    assert lc.name == "divide" and lc.description == "Divide a by b."
    assert await lc.ainvoke({"a": 6, "b": 3}) == "2.0"
    message = await lc.ainvoke(
        {"name": "divide", "args": {"a": 1, "b": 4}, "id": "c1", "type": "tool_call"}
    )
    assert message.content == "0.25" and message.tool_call_id == "c1"
    with pytest.raises(ToolException, match="invalid arguments"):
        await lc.ainvoke({"a": "x", "b": 1})
    lc.handle_tool_error = True
    handled = await lc.ainvoke({"a": "x", "b": 1})
    assert "invalid arguments" in handled


async def test_round_trip_through_both_adapters() -> None:
    back = LangChainToolAdapter(as_langchain_tool(LangChainToolAdapter(add)))
    assert await run(back, {"a": 4, "b": 5}) == "9"


def test_specs_name_code_and_load_only_from_allowed_modules() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        adapter = LangChainToolAdapter(
            __import__("lc_tools").multiply, reference="lc_tools:multiply"
        )
        spec = adapter.dump_component()
        assert spec.provider == "langchain" and spec.config == {"tool": "lc_tools:multiply"}
        with pytest.raises(RetinueError, match="allow_imports"):
            load_component(spec)
        loaded = load_component(spec, allow_imports=["lc_tools"])
        assert isinstance(loaded, LangChainToolAdapter) and loaded.name == "multiply"
    finally:
        sys.path.remove(str(Path(__file__).parent))
    with pytest.raises(RetinueError, match="reference="):
        LangChainToolAdapter(add).dump_component()


def test_a_spec_in_autogen_shape_loads_through_the_alias() -> None:
    # AutoGen 0.7.5 cannot dump its adapter, so such specs are written by hand.
    spec = {
        "provider": "autogen_ext.tools.langchain.LangChainToolAdapter",
        "component_type": "tool",
        "version": 1,
        "component_version": 1,
        "config": {"tool": "lc_tools:multiply"},
    }
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        with pytest.raises(RetinueError, match="allow_imports"):
            load_component(spec)
        loaded = load_component(spec, allow_imports=["lc_tools"])
    finally:
        sys.path.remove(str(Path(__file__).parent))
    assert isinstance(loaded, LangChainToolAdapter) and loaded.name == "multiply"
