"""Conformance suite for tools."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from .._errors import ToolError
from ..cancellation import CancellationToken
from ..components import load_component
from ..tools import Tool
from ._suites_common import ConformanceBase, missing_fixture

__all__ = ["ToolConformance", "check_tool_schema"]


def check_tool_schema(schema: Mapping[str, Any]) -> None:
    """Assert ``schema`` is a tool schema every provider accepts."""
    assert isinstance(schema.get("name"), str) and schema["name"], "schema needs a 'name'"
    assert isinstance(schema.get("description", ""), str), "'description' must be a string"
    json.dumps(schema)  # raises if not JSON-serializable
    params = schema.get("parameters")
    if params is None:
        return
    assert params.get("type") == "object", "parameters must be a JSON schema of type 'object'"
    properties = params.get("properties", {})
    assert isinstance(properties, dict), "parameters.properties must be an object"
    missing = set(params.get("required", [])) - set(properties)
    assert not missing, f"parameters.required names unknown properties {sorted(missing)}"
    text = json.dumps(params)
    assert "$ref" not in text and "$defs" not in text, (
        "inline $defs in the parameters schema: several providers reject $ref"
    )
    if schema.get("strict"):
        assert params.get("additionalProperties") is False, (
            "a strict schema must set additionalProperties: false"
        )
        assert sorted(params.get("required", [])) == sorted(properties), (
            "a strict schema must list every property as required"
        )


class ToolConformance(ConformanceBase):
    """Checks a :class:`~retinue.tools.Tool`.

    Override the fixtures ``tool`` (a fresh tool), ``valid_args`` (arguments it accepts)
    and ``invalid_args`` (arguments it must refuse, e.g. a wrong type).
    """

    @pytest.fixture
    def tool(self) -> Tool:
        return missing_fixture("ToolConformance", "tool", "a fresh tool")  # type: ignore[no-any-return]

    @pytest.fixture
    def valid_args(self) -> dict[str, Any]:
        return missing_fixture("ToolConformance", "valid_args", "arguments the tool accepts")  # type: ignore[no-any-return]

    @pytest.fixture
    def invalid_args(self) -> dict[str, Any]:
        return missing_fixture(  # type: ignore[no-any-return]
            "ToolConformance", "invalid_args", "arguments the tool must refuse"
        )

    def test_schema_is_valid(self, tool: Tool) -> None:
        schema = tool.schema
        check_tool_schema(schema)
        assert schema["name"] == tool.name, "schema['name'] must equal tool.name"
        assert tool.description, "a tool needs a description: the model chooses tools by it"

    async def test_runs_with_valid_arguments(self, tool: Tool, valid_args: dict[str, Any]) -> None:
        tool.args_type().model_validate(valid_args)
        result = await tool.run_json(valid_args, CancellationToken())
        assert isinstance(tool.return_value_as_string(result), str), (
            "return_value_as_string() must render the result as text"
        )

    async def test_invalid_arguments_raise_tool_error(
        self, tool: Tool, invalid_args: dict[str, Any], valid_args: dict[str, Any]
    ) -> None:
        with pytest.raises(ToolError) as info:
            await tool.run_json(invalid_args, CancellationToken())
        assert str(info.value), "the ToolError must say which argument was wrong and why"
        # and the tool keeps working
        await tool.run_json(valid_args, CancellationToken())

    async def test_state_round_trips(self, tool: Tool) -> None:
        state = await tool.save_state_json()
        json.dumps(state)
        await tool.load_state_json(state)

    def test_dump_and_load_round_trip(self, tool: Tool, component_registry: Any) -> None:
        spec = tool.dump_component()
        assert spec.kind == "tool", f"kind must be 'tool', got {spec.kind!r}"
        loaded = load_component(spec, Tool, registry=component_registry, trust_code=True)
        assert type(loaded) is type(tool), (
            f"spec provider {spec.provider!r} loads a {type(loaded).__name__}, expected "
            f"{type(tool).__name__}"
        )
        assert loaded.schema == tool.schema, "the loaded tool must have the same schema"
