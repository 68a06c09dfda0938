"""One MCP tool as a retinue :class:`~retinue.tools.Tool` (AutoGen's ``mcp_server_tools``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict
from retinue.cancellation import CancellationToken
from retinue.tools import Tool, ToolResult, ToolSchema

from ._params import McpServerParams
from ._workbench import McpWorkbench

__all__ = ["McpToolAdapter", "McpToolAdapterConfig", "mcp_server_tools"]


class _Arguments(BaseModel):
    """Any JSON object: the server validates a tool's arguments against its own schema."""

    model_config = ConfigDict(extra="allow")


class McpToolAdapterConfig(BaseModel):
    """The spec of an :class:`McpToolAdapter`: the server and the tool's schema."""

    server_params: McpServerParams
    tool: dict[str, Any]


class McpToolAdapter(Tool):
    """One tool of an MCP server; adapters from one :func:`mcp_server_tools` call share
    one :class:`McpWorkbench` (one session).

    ``run_json`` returns the :class:`~retinue.tools.ToolResult` (an error is a result with
    ``is_error``), which workbenches hand on unchanged.
    """

    component_provider = "mcp_tool"
    component_config_schema = McpToolAdapterConfig
    component_label = "McpToolAdapter"

    def __init__(self, workbench: McpWorkbench, schema: ToolSchema) -> None:
        self._workbench = workbench
        self._schema = schema

    @property
    def name(self) -> str:
        return self._schema["name"]

    @property
    def description(self) -> str:
        return self._schema.get("description", "")

    @property
    def schema(self) -> ToolSchema:
        return self._schema

    @property
    def workbench(self) -> McpWorkbench:
        """The workbench (and session) this tool calls through."""
        return self._workbench

    def args_type(self) -> type[BaseModel]:
        return _Arguments

    def return_type(self) -> type[Any]:
        return ToolResult

    async def run_json(
        self,
        args: Mapping[str, Any],
        cancellation_token: CancellationToken,
        call_id: str | None = None,
    ) -> ToolResult:
        return await self._workbench.call_tool(self.name, args, cancellation_token, call_id)

    def return_value_as_string(self, value: Any) -> str:
        return (
            value.to_text()
            if isinstance(value, ToolResult)
            else super().return_value_as_string(value)
        )

    def _to_config(self) -> McpToolAdapterConfig:
        return McpToolAdapterConfig(
            server_params=self._workbench.server_params, tool=dict(self._schema)
        )

    @classmethod
    def _from_config(cls, config: McpToolAdapterConfig) -> McpToolAdapter:
        return cls(McpWorkbench(config.server_params), ToolSchema(**config.tool))  # type: ignore[typeddict-item]


async def mcp_server_tools(server_params: Any, **workbench_options: Any) -> list[McpToolAdapter]:
    """Every tool of an MCP server as a :class:`McpToolAdapter` (AutoGen's function).

    The adapters share one :class:`McpWorkbench` built with ``workbench_options``;
    ``await adapters[0].workbench.stop()`` ends its session.
    """
    workbench = McpWorkbench(server_params, **workbench_options)
    return [McpToolAdapter(workbench, schema) for schema in await workbench.list_tools()]
