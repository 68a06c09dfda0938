"""FunctionTool and BaseTool: schemas from type hints, validation, execution, specs."""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import Annotated

import pytest
from pydantic import BaseModel, Field
from retinue import CancellationToken, ComponentLoadError, ConfigurationError, ToolError
from retinue.components import load_component
from retinue.testing import isolated_registry
from retinue.tools import BaseTool, FunctionTool, ImportFromModule


class Point(BaseModel):
    x: int
    y: int = 0


def add(a: Annotated[int, "the first addend"], b: int = 2) -> int:
    return a + b


def distance(start: Point, end: Annotated[Point, Field(description="where to go")]) -> float:
    return float(abs(end.x - start.x) + abs(end.y - start.y))


async def slow_echo(text: str, cancellation_token: CancellationToken) -> str:
    await asyncio.sleep(60)
    return text


def test_schema_comes_from_type_hints_and_annotated_descriptions() -> None:
    tool = FunctionTool(add, description="Add two integers.")
    schema = tool.schema
    assert schema["name"] == "add"
    assert schema["description"] == "Add two integers."
    params = schema["parameters"]
    assert params["properties"]["a"]["type"] == "integer"
    assert params["properties"]["a"]["description"] == "the first addend"
    assert params["required"] == ["a"]
    assert "additionalProperties" not in params


def test_field_descriptions_are_kept_and_defs_inlined() -> None:
    tool = FunctionTool(distance, description="Manhattan distance.")
    params = tool.schema["parameters"]
    assert "$defs" not in str(params)
    assert "$ref" not in str(params)
    assert params["properties"]["start"]["properties"]["x"]["type"] == "integer"
    assert params["properties"]["end"]["description"] == "where to go"


def test_cancellation_token_is_injected_not_described() -> None:
    tool = FunctionTool(slow_echo, description="Echo slowly.")
    assert list(tool.schema["parameters"]["properties"]) == ["text"]


def test_strict_requires_every_argument_and_forbids_others() -> None:
    tool = FunctionTool(distance, description="d", strict=True)
    schema = tool.schema
    assert schema["strict"] is True
    assert schema["parameters"]["additionalProperties"] is False
    assert schema["parameters"]["required"] == ["start", "end"]
    nested = schema["parameters"]["properties"]["start"]
    assert nested["additionalProperties"] is False
    assert nested["required"] == ["x", "y"]


def test_strict_refuses_defaults_and_says_which() -> None:
    with pytest.raises(ConfigurationError, match=r"'b'.*remove the defaults or pass strict=False"):
        FunctionTool(add, description="Add.", strict=True)


async def test_sync_function_runs_in_a_worker_thread() -> None:
    seen: list[str] = []

    def where() -> str:
        seen.append(threading.current_thread().name)
        return "done"

    tool = FunctionTool(where, description="Where am I?")
    assert await tool.run_json({}, CancellationToken()) == "done"
    assert seen[0] != threading.current_thread().name


async def test_async_function_and_nested_models_are_passed_as_objects() -> None:
    async def describe(p: Point) -> str:
        return type(p).__name__ + str(p.x)

    tool = FunctionTool(describe, description="Describe a point.")
    assert await tool.run_json({"p": {"x": 3}}, CancellationToken()) == "Point3"


async def test_invalid_arguments_raise_a_message_the_model_can_act_on() -> None:
    tool = FunctionTool(add, description="Add.")
    with pytest.raises(ToolError) as info:
        await tool.run_json({"a": "three"}, CancellationToken())
    message = str(info.value)
    assert "'add'" in message
    assert "a: Input should be a valid integer" in message
    assert '"three"' in message
    with pytest.raises(ToolError, match=r"b: Field required|a: Field required"):
        await tool.run_json({}, CancellationToken())
    # the tool keeps working after a bad call
    assert await tool.run_json({"a": 1}, CancellationToken()) == 3


async def test_strict_tool_rejects_unknown_arguments() -> None:
    tool = FunctionTool(distance, description="d", strict=True)
    with pytest.raises(ToolError, match="surprise: Extra inputs are not permitted"):
        await tool.run_json(
            {"start": {"x": 0, "y": 0}, "end": {"x": 1, "y": 1}, "surprise": 1},
            CancellationToken(),
        )


async def test_cancelling_the_token_stops_the_call() -> None:
    from retinue import CancelledError

    tool = FunctionTool(slow_echo, description="Echo slowly.")
    token = CancellationToken()
    task = asyncio.ensure_future(tool.run_json({"text": "x"}, token))
    await asyncio.sleep(0)
    token.cancel()
    with pytest.raises(CancelledError, match="slow_echo"):
        await task


def test_return_values_become_text() -> None:
    tool = FunctionTool(add, description="Add.")
    assert tool.return_value_as_string(5) == "5"
    assert tool.return_value_as_string("text") == "text"
    assert tool.return_value_as_string(Point(x=1)) == '{"x":1,"y":0}'
    assert tool.return_value_as_string([Point(x=1)]) == '[{"x":1,"y":0}]'
    assert tool.return_type() is int


def test_bad_functions_are_refused_clearly() -> None:
    def star(*args: int) -> int:
        return 0

    with pytest.raises(ConfigurationError, match=r"takes \*args"):
        FunctionTool(star, description="x")
    with pytest.raises(ConfigurationError, match="<lambda> has no usable name"):
        FunctionTool(lambda: 1, description="x")
    with pytest.raises(ConfigurationError, match="tool name 'has space' is invalid"):
        FunctionTool(add, description="x", name="has space")
    with pytest.raises(ConfigurationError, match="has no usable name"):
        FunctionTool(functools.partial(add, b=1), description="x")
    partial_tool = FunctionTool(functools.partial(add, b=1), description="x", name="add_one")
    assert list(partial_tool.schema["parameters"]["properties"]) == ["a", "b"]
    with pytest.raises(ConfigurationError, match="needs a function"):
        FunctionTool(42, description="x")  # type: ignore[arg-type]


def test_dump_matches_autogen_shape() -> None:
    spec = FunctionTool(slow_echo, description="Echo slowly.").dump_component()
    assert spec.provider == "function"
    assert spec.kind == "tool"
    assert set(spec.config) == {
        "name",
        "description",
        "source_code",
        "global_imports",
        "strict",
        "has_cancellation_support",
    }
    assert spec.config["source_code"].startswith("async def slow_echo(")
    assert spec.config["has_cancellation_support"] is True


def test_loading_source_code_is_refused_unless_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETINUE_TRUST_CODE_SPECS", raising=False)
    registry = isolated_registry()
    spec = FunctionTool(add, description="Add.").dump_component()
    with pytest.raises(ComponentLoadError) as info:
        load_component(spec, registry=registry)
    message = str(info.value)
    assert "trust_code=True" in message
    assert "RETINUE_TRUST_CODE_SPECS=1" in message
    assert "'add'" in message


async def test_trusted_spec_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETINUE_TRUST_CODE_SPECS", raising=False)
    registry = isolated_registry()
    original = FunctionTool(
        add,
        description="Add.",
        global_imports=["math", ImportFromModule(module="typing", imports=["Annotated"])],
    )
    loaded = load_component(
        original.dump_component(), FunctionTool, registry=registry, trust_code=True
    )
    assert loaded.schema == original.schema
    assert await loaded.run_json({"a": 40}, CancellationToken()) == 42
    # A tool built from a spec has no source file; it dumps the source it was given.
    assert loaded.dump_component().config == original.dump_component().config


async def test_trust_by_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETINUE_TRUST_CODE_SPECS", "1")
    spec = {
        "provider": "autogen_core.tools.FunctionTool",
        "component_type": "tool",
        "version": 1,
        "component_version": 1,
        "config": {
            "name": "shout",
            "description": "Upper-case a text.",
            "source_code": "def shout(text: str) -> str:\n    return text.upper()\n",
            "global_imports": [],
            "has_cancellation_support": False,
        },
    }
    tool = load_component(spec, FunctionTool, registry=isolated_registry())
    assert await tool.run_json({"text": "hi"}, CancellationToken()) == "HI"


def test_source_without_function_is_a_clear_error() -> None:
    spec = {
        "provider": "function",
        "kind": "tool",
        "config": {"name": "x", "description": "x", "source_code": "x = 1\n"},
    }
    with pytest.raises(ConfigurationError, match="defines no function"):
        load_component(spec, registry=isolated_registry(), trust_code=True)


class Repeat(BaseModel):
    text: str = Field(description="what to repeat")
    times: int = 2


class RepeatTool(BaseTool[Repeat, str]):
    def __init__(self) -> None:
        super().__init__(Repeat, str, "repeat", "Repeat a text.")

    async def run(self, args: Repeat, cancellation_token: CancellationToken) -> str:
        return args.text * args.times


async def test_base_tool_subclass_validates_and_runs() -> None:
    tool = RepeatTool()
    assert tool.schema["parameters"]["properties"]["text"]["description"] == "what to repeat"
    assert await tool.run_json({"text": "ab"}, CancellationToken()) == "abab"
    with pytest.raises(ToolError, match="expected a JSON object"):
        await tool.run_json(["ab"], CancellationToken())  # type: ignore[arg-type]


async def test_reference_specs_load_by_import_from_allowed_modules_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retinue.code import extract_markdown_code_blocks

    monkeypatch.delenv("RETINUE_COMPONENT_ALLOWLIST", raising=False)
    tool = FunctionTool(extract_markdown_code_blocks, "Find code blocks.", dump_as="reference")
    spec = tool.dump_component()
    assert spec.config["function"] == "retinue.code._extract:extract_markdown_code_blocks"
    assert "source_code" not in spec.config
    registry = isolated_registry()
    with pytest.raises(ComponentLoadError) as info:
        load_component(spec, registry=registry)
    assert "allow_imports=['retinue.code._extract']" in str(info.value)
    loaded = load_component(spec, FunctionTool, registry=registry, allow_imports=["retinue.code"])
    blocks = await loaded.run_json({"text": "```sh\nls\n```\n"}, CancellationToken())
    assert blocks[0].language == "sh"
    assert loaded.dump_component() == spec


def test_only_top_level_functions_dump_as_references() -> None:
    from retinue import ComponentError

    def local(x: int) -> int:
        return x

    with pytest.raises(ComponentError, match="use dump_as='source'"):
        FunctionTool(local, "Local.", dump_as="reference").dump_component()
    with pytest.raises(ConfigurationError, match="dump_as must be"):
        FunctionTool(add, "Add.", dump_as="pickle")  # type: ignore[arg-type]


def test_a_spec_needs_source_or_reference() -> None:
    spec = {"provider": "function", "kind": "tool", "config": {"name": "x", "description": "x"}}
    with pytest.raises(ComponentLoadError, match=r"exactly one of source_code .* or function"):
        load_component(spec, registry=isolated_registry(), trust_code=True)
