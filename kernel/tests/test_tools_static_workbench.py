"""StaticWorkbench and StaticStreamWorkbench: listing, calling, overrides, errors, specs."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest
from pydantic import BaseModel
from retinue import CancellationToken, CancelledError, ConfigurationError
from retinue.components import load_component
from retinue.models import Image
from retinue.testing import isolated_registry
from retinue.tools import (
    BaseStreamTool,
    FunctionTool,
    ImageResultContent,
    StaticStreamWorkbench,
    StaticWorkbench,
    ToolOverride,
    ToolResult,
)


def add(a: int, b: int) -> int:
    return a + b


def divide(a: float, b: float) -> float:
    return a / b


def picture() -> Image:
    return Image.from_bytes(b"\x89PNG", "image/png")


def tools() -> list[FunctionTool]:
    return [
        FunctionTool(add, description="Add two integers."),
        FunctionTool(divide, description="Divide."),
    ]


async def test_lists_schemas_with_overrides_applied() -> None:
    bench = StaticWorkbench(
        tools(), tool_overrides={"add": ToolOverride(name="plus", description="Sum them.")}
    )
    schemas = await bench.list_tools()
    assert [s["name"] for s in schemas] == ["plus", "divide"]
    assert schemas[0]["description"] == "Sum them."
    assert schemas[1]["description"] == "Divide."


async def test_calls_a_tool_by_its_shown_name() -> None:
    bench = StaticWorkbench(tools(), tool_overrides={"add": ToolOverride(name="plus")})
    result = await bench.call_tool("plus", {"a": 2, "b": 3})
    assert result == ToolResult(name="plus", result=result.result, is_error=False)
    assert result.to_text() == "5"
    missing = await bench.call_tool("add", {"a": 2, "b": 3})
    assert missing.is_error
    assert "'add' not found" in missing.to_text()
    assert "divide, plus" in missing.to_text()


async def test_exceptions_become_error_results_and_the_bench_keeps_working() -> None:
    bench = StaticWorkbench(tools())
    failed = await bench.call_tool("divide", {"a": 1, "b": 0})
    assert failed.is_error
    assert failed.to_text() == "ZeroDivisionError: float division by zero"
    invalid = await bench.call_tool("add", {"a": "x", "b": 1})
    assert invalid.is_error
    assert "a: Input should be a valid integer" in invalid.to_text()
    assert (await bench.call_tool("add", {"a": 1, "b": 1})).to_text() == "2"


async def test_images_are_returned_as_image_content() -> None:
    bench = StaticWorkbench([FunctionTool(picture, description="A picture.")])
    result = await bench.call_tool("picture")
    assert isinstance(result.result[0], ImageResultContent)
    assert result.to_text() == "[image]"


async def test_cancellation_is_not_turned_into_a_result() -> None:
    token = CancellationToken()
    token.cancel()

    async def never(cancellation_token: CancellationToken) -> str:
        raise CancelledError("stopped")

    bench = StaticWorkbench([FunctionTool(never, description="Never finishes.")])
    with pytest.raises(CancelledError):
        await bench.call_tool("never", {}, token)


def test_name_collisions_after_overrides_are_rejected() -> None:
    with pytest.raises(ConfigurationError, match="two tools are named 'divide'"):
        StaticWorkbench(tools(), tool_overrides={"add": ToolOverride(name="divide")})
    with pytest.raises(ConfigurationError, match=r"must be unique.*give one of them another name"):
        StaticWorkbench([FunctionTool(add, "a"), FunctionTool(add, "b")])
    with pytest.raises(ConfigurationError, match=r"\['nope'\], which are not tools"):
        StaticWorkbench(tools(), tool_overrides={"nope": ToolOverride(name="x")})
    with pytest.raises(ConfigurationError, match=r"tools\[1\] is a function, not a Tool"):
        StaticWorkbench([tools()[0], add])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="tool name 'bad name' is invalid"):
        StaticWorkbench(tools(), tool_overrides={"add": ToolOverride(name="bad name")})


async def test_round_trips_as_a_spec_with_overrides() -> None:
    bench = StaticWorkbench(tools(), tool_overrides={"add": ToolOverride(name="plus")})
    spec = bench.dump_component()
    assert spec.provider == "static"
    assert spec.kind == "workbench"
    loaded = load_component(spec, StaticWorkbench, registry=isolated_registry(), trust_code=True)
    assert await loaded.list_tools() == await bench.list_tools()
    assert (await loaded.call_tool("plus", {"a": 1, "b": 2})).to_text() == "3"


async def test_nested_tool_specs_inherit_the_refusal_to_run_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retinue import ComponentLoadError

    monkeypatch.delenv("RETINUE_TRUST_CODE_SPECS", raising=False)
    spec = StaticWorkbench(tools()).dump_component()
    with pytest.raises(ComponentLoadError, match="trust_code=True"):
        load_component(spec, registry=isolated_registry())


class Count(BaseModel):
    upto: int


class CountTool(BaseStreamTool[Count, str, str]):
    def __init__(self) -> None:
        super().__init__(Count, str, "count", "Count up, reporting progress.")

    async def run_stream(
        self, args: Count, cancellation_token: CancellationToken
    ) -> AsyncGenerator[str, None]:
        for number in range(1, args.upto + 1):
            yield f"at {number}"
        yield f"counted to {args.upto}"


async def test_stream_workbench_yields_events_then_one_result() -> None:
    bench = StaticStreamWorkbench([CountTool(), *tools()])
    items = [item async for item in bench.call_tool_stream("count", {"upto": 2})]
    assert items[:2] == ["at 1", "at 2"]
    assert isinstance(items[2], ToolResult)
    assert items[2].to_text() == "counted to 2"
    assert len(items) == 3
    plain = [item async for item in bench.call_tool_stream("add", {"a": 1, "b": 1})]
    assert [type(item) for item in plain] == [ToolResult]
    invalid = [item async for item in bench.call_tool_stream("count", {"upto": "many"})]
    assert len(invalid) == 1
    assert invalid[0].is_error
    assert "upto" in invalid[0].to_text()
    # the non-streaming path consumes the stream and keeps the result
    assert (await bench.call_tool("count", {"upto": 1})).to_text() == "counted to 1"


async def test_state_is_saved_per_tool() -> None:
    bench = StaticWorkbench(tools())
    state = await bench.save_state()
    assert state == {"tools": {"add": {}, "divide": {}}}
    await bench.load_state(state)
