"""Conformance suite for workbenches."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ..cancellation import CancellationToken
from ..components import load_component
from ..tools import ToolResult, Workbench
from ._suites_common import ConformanceBase, missing_fixture
from ._suites_tool import check_tool_schema

__all__ = ["WorkbenchConformance"]


class WorkbenchConformance(ConformanceBase):
    """Checks a :class:`~retinue.tools.Workbench`.

    Override the fixtures ``workbench`` (a fresh, not yet started workbench; the suite
    starts and stops it) and ``tool_call`` (a ``(name, arguments)`` pair that succeeds).
    """

    @pytest.fixture
    def workbench(self) -> Workbench:
        return missing_fixture("WorkbenchConformance", "workbench", "a fresh workbench")  # type: ignore[no-any-return]

    @pytest.fixture
    def tool_call(self) -> tuple[str, dict[str, Any]]:
        return missing_fixture(  # type: ignore[no-any-return]
            "WorkbenchConformance", "tool_call", "a (tool name, arguments) pair that succeeds"
        )

    async def test_lists_valid_uniquely_named_tools(self, workbench: Workbench) -> None:
        async with workbench:
            schemas = await workbench.list_tools()
        assert schemas, "list_tools() returned no tools"
        for schema in schemas:
            check_tool_schema(schema)
        names = [schema["name"] for schema in schemas]
        assert len(names) == len(set(names)), f"tool names must be unique, got {names}"

    async def test_calls_a_tool(
        self, workbench: Workbench, tool_call: tuple[str, dict[str, Any]]
    ) -> None:
        name, arguments = tool_call
        async with workbench:
            result = await workbench.call_tool(name, arguments, CancellationToken(), "call-1")
        assert isinstance(result, ToolResult), "call_tool() must return a ToolResult"
        assert not result.is_error, f"the call failed: {result.to_text()}"
        assert result.name == name, "ToolResult.name must be the called tool's name"

    async def test_unknown_tool_is_an_error_result(self, workbench: Workbench) -> None:
        async with workbench:
            result = await workbench.call_tool("no_such_tool_anywhere", {})
        assert isinstance(result, ToolResult) and result.is_error, (
            "calling an unknown tool must return a ToolResult with is_error=True, not raise"
        )
        assert "no_such_tool_anywhere" in result.to_text(), "the error must name the tool"

    async def test_state_round_trips(self, workbench: Workbench) -> None:
        async with workbench:
            state = await workbench.save_state()
            json.dumps(state)
            await workbench.load_state(state)

    async def test_dump_and_load_round_trip(
        self, workbench: Workbench, component_registry: Any
    ) -> None:
        spec = workbench.dump_component()
        assert spec.kind == "workbench", f"kind must be 'workbench', got {spec.kind!r}"
        loaded = load_component(spec, Workbench, registry=component_registry, trust_code=True)
        assert type(loaded) is type(workbench)
        async with workbench, loaded:
            assert await loaded.list_tools() == await workbench.list_tools(), (
                "the loaded workbench must list the same tools"
            )
