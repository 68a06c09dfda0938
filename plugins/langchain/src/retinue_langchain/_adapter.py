"""LangChain tools in retinue (:class:`LangChainToolAdapter`) and retinue tools in LangChain
(:func:`as_langchain_tool`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool as LangChainBaseTool, StructuredTool
from pydantic import BaseModel, ConfigDict
from retinue import ComponentError, ToolError, bounded_text
from retinue.cancellation import CancellationToken
from retinue.components import import_reference
from retinue.tools import Tool, ToolSchema, inline_schema_refs, validate_tool_name

__all__ = ["LangChainToolAdapter", "LangChainToolAdapterConfig", "as_langchain_tool"]


class _Arguments(BaseModel):
    """Any JSON object: the LangChain tool validates its own arguments."""

    model_config = ConfigDict(extra="allow")


class LangChainToolAdapterConfig(BaseModel):
    """The spec: a ``package.module:attr`` reference to the LangChain tool.

    It names code, so it loads only from allowed modules (``allow_imports`` or
    ``RETINUE_COMPONENT_ALLOWLIST``), like every spec that names code.
    """

    tool: str


def _parameters(tool: LangChainBaseTool) -> dict[str, Any]:
    schema = tool.tool_call_schema
    raw = schema if isinstance(schema, dict) else schema.model_json_schema()
    parameters = inline_schema_refs(raw)
    for key in ("title", "description", "$schema"):
        parameters.pop(key, None)
    parameters.setdefault("type", "object")
    parameters.setdefault("properties", {})
    for value in parameters["properties"].values():
        if isinstance(value, dict):
            value.pop("title", None)
    return parameters


class LangChainToolAdapter(Tool):
    """Any langchain-core ``BaseTool`` as a retinue tool.

    The schema comes from the tool's own (``args_schema`` or inferred); sync tools run
    in a thread, async ones in the caller's task.  A failing tool raises
    :class:`~retinue.ToolError`, which a workbench hands the model as an error result.
    Tools with ``response_format="content_and_artifact"`` return their content (the
    artifact stays in :attr:`last_artifact`).

    >>> from langchain_core.tools import tool
    >>> @tool
    ... def add(a: int, b: int) -> int:
    ...     "Add two integers."
    ...     return a + b
    >>> adapter = LangChainToolAdapter(add)
    """

    component_provider = "langchain"
    component_config_schema = LangChainToolAdapterConfig
    component_label = "LangChainToolAdapter"

    def __init__(self, langchain_tool: LangChainBaseTool, *, reference: str | None = None) -> None:
        if not isinstance(langchain_tool, LangChainBaseTool):
            raise ToolError(
                f"LangChainToolAdapter needs a langchain_core BaseTool, got "
                f"{type(langchain_tool).__name__}; wrap functions with langchain's @tool"
            )
        self._tool = langchain_tool
        self._name = validate_tool_name(langchain_tool.name)
        self._reference = reference
        self._schema = ToolSchema(
            name=self._name,
            description=langchain_tool.description or "",
            parameters=_parameters(langchain_tool),  # type: ignore[typeddict-item]
        )
        self.last_artifact: Any = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str:
        return self._schema.get("description", "")

    @property
    def schema(self) -> ToolSchema:
        return self._schema

    @property
    def langchain_tool(self) -> LangChainBaseTool:
        """The wrapped LangChain tool."""
        return self._tool

    def args_type(self) -> type[BaseModel]:
        return _Arguments

    def return_type(self) -> type[Any]:
        return object

    async def run_json(
        self,
        args: Mapping[str, Any],
        cancellation_token: CancellationToken,
        call_id: str | None = None,
    ) -> Any:
        if not isinstance(args, Mapping):
            raise ToolError(
                f"invalid arguments for tool {self._name!r}: expected a JSON object of named "
                f"arguments, got {type(args).__name__}"
            )
        call = {
            "name": self._name,
            "args": dict(args),
            "id": call_id or f"call_{uuid.uuid4().hex}",
            "type": "tool_call",
        }
        try:
            output = await self._tool.ainvoke(call)
        except Exception as exc:
            raise ToolError(
                f"tool {self._name!r} failed: {type(exc).__name__}: {bounded_text(str(exc), 500)}"
            ) from exc
        if isinstance(output, ToolMessage):
            self.last_artifact = output.artifact
            if output.status == "error":
                raise ToolError(
                    f"tool {self._name!r} failed: {bounded_text(str(output.content), 500)}"
                )
            return output.content
        return output

    def _to_config(self) -> LangChainToolAdapterConfig:
        if self._reference is None:
            raise ComponentError(
                f"LangChainToolAdapter {self._name!r} cannot be dumped: pass "
                "reference='package.module:tool' naming where the LangChain tool is defined"
            )
        return LangChainToolAdapterConfig(tool=self._reference)

    @classmethod
    def _from_config(cls, config: LangChainToolAdapterConfig) -> LangChainToolAdapter:
        target = import_reference(config.tool, "LangChainToolAdapter")
        return cls(target, reference=config.tool)


def as_langchain_tool(tool: Tool) -> StructuredTool:
    """A retinue tool as a LangChain ``StructuredTool`` (async), for LangChain and LangGraph.

    Arguments are validated by the retinue tool; its result comes back as the text the
    model would see.  A failing tool raises, as LangChain tools do (set
    ``handle_tool_error=True`` on the result to hand the message to the model instead).
    """
    if not isinstance(tool, Tool):
        raise ToolError(f"as_langchain_tool needs a retinue Tool, got {type(tool).__name__}")

    async def run(**kwargs: Any) -> str:
        try:
            value = await tool.run_json(kwargs, CancellationToken())
        except ToolError as exc:
            from langchain_core.tools import ToolException

            raise ToolException(str(exc)) from exc
        return tool.return_value_as_string(value)

    return StructuredTool.from_function(
        coroutine=run,
        name=tool.name,
        description=tool.description,
        args_schema=dict(tool.schema.get("parameters") or {"type": "object", "properties": {}}),
    )
