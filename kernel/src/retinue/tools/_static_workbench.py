"""Workbenches over a fixed list of tools, with optional renames and re-descriptions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .._errors import CancelledError, ConfigurationError, RetinueError, ToolError, bounded_repr
from ..cancellation import CancellationToken
from ..components import ComponentModel, load_nested
from ..models._types import Image
from ._base import Tool, ToolSchema
from ._base_tool import BaseStreamTool, validate_tool_name
from ._cancellable import cancel_requests, own_cancellation_error, raised_by_itself
from ._workbench import (
    ImageResultContent,
    StreamWorkbench,
    TextResultContent,
    ToolResult,
    Workbench,
)

__all__ = ["StaticStreamWorkbench", "StaticWorkbench", "StaticWorkbenchConfig", "ToolOverride"]

logger = logging.getLogger(__name__)

_NOTHING = object()


class ToolOverride(BaseModel):
    """A new name and/or description a workbench shows for one of its tools."""

    model_config = ConfigDict(defer_build=True)

    name: str | None = None
    description: str | None = None


class StaticWorkbenchConfig(BaseModel):
    """The spec of a :class:`StaticWorkbench`: its tools' specs and the overrides."""

    model_config = ConfigDict(defer_build=True)

    tools: list[ComponentModel] = Field(default_factory=list)
    tool_overrides: dict[str, ToolOverride] = Field(default_factory=dict)


def _error_text(exc: BaseException) -> str:
    # Our own errors already say what to do; others need their type to make sense.
    try:
        text = str(exc)
    except Exception:  # an exception whose __str__ fails still has a type to report
        text = "(its message could not be rendered)"
    return text if isinstance(exc, RetinueError) else f"{type(exc).__name__}: {text}"


class StaticWorkbench(Workbench):
    """A workbench over a fixed list of tools.

    ``tool_overrides`` maps a tool's own name to a :class:`ToolOverride` that renames or
    re-describes it for the model.  ``call_tool`` never raises for a failing tool: the
    error becomes a :class:`ToolResult` with ``is_error=True`` and a readable message.

    >>> from retinue.tools import FunctionTool
    >>> def now() -> str:
    ...     return "noon"
    >>> bench = StaticWorkbench([FunctionTool(now, "The time.")],
    ...                         tool_overrides={"now": ToolOverride(name="get_time")})
    """

    component_provider = "static"
    component_config_schema = StaticWorkbenchConfig

    def __init__(
        self, tools: Sequence[Tool], tool_overrides: Mapping[str, ToolOverride] | None = None
    ) -> None:
        self._tools = list(tools)
        for index, tool in enumerate(self._tools):
            if not isinstance(tool, Tool):
                raise ConfigurationError(
                    f"tools[{index}] is a {type(tool).__name__}, not a Tool; wrap functions "
                    "with FunctionTool(func, description=...)"
                )
        self._overrides = dict(tool_overrides or {})
        by_own_name = {tool.name: tool for tool in self._tools}
        if len(by_own_name) != len(self._tools):
            raise ConfigurationError(
                f"tool names must be unique in a workbench, got {[t.name for t in self._tools]}; "
                "give one of them another name (e.g. FunctionTool(func, description, name=...)); "
                "tool_overrides cannot tell them apart"
            )
        unknown = sorted(set(self._overrides) - set(by_own_name))
        if unknown:
            raise ConfigurationError(
                f"tool_overrides names {unknown}, which are not tools of this workbench; "
                f"its tools are {sorted(by_own_name)}"
            )
        # shown name -> tool
        self._by_name: dict[str, Tool] = {}
        for tool in self._tools:
            shown = self._shown_name(tool)
            if shown in self._by_name:
                raise ConfigurationError(
                    f"after tool_overrides two tools are named {shown!r} "
                    f"({self._by_name[shown].name!r} and {tool.name!r}); choose distinct names"
                )
            self._by_name[shown] = tool

    def _shown_name(self, tool: Tool) -> str:
        override = self._overrides.get(tool.name)
        if override is not None and override.name:
            return validate_tool_name(override.name)
        return tool.name

    @property
    def tools(self) -> list[Tool]:
        """The tools, under their own names."""
        return list(self._tools)

    async def list_tools(self) -> list[ToolSchema]:
        schemas = []
        for tool in self._tools:
            schema = dict(tool.schema)
            override = self._overrides.get(tool.name)
            if override is not None:
                if override.name:
                    schema["name"] = override.name
                if override.description is not None:
                    schema["description"] = override.description
            schemas.append(ToolSchema(**schema))  # type: ignore[typeddict-item]
        return schemas

    def _find(self, name: str) -> Tool | ToolResult:
        tool = self._by_name.get(name)
        if tool is not None:
            return tool
        return ToolResult(
            name=name,
            result=[
                TextResultContent(
                    content=f"Error: tool {bounded_repr(name)} not found; available tools: "
                    + ", ".join(sorted(self._by_name))
                )
            ],
            is_error=True,
        )

    def _result(self, name: str, tool: Tool, value: Any) -> ToolResult:
        if isinstance(value, ToolResult):
            return value.model_copy(update={"name": name})
        if isinstance(value, Image):
            return ToolResult(name=name, result=[ImageResultContent(content=value)])
        return ToolResult(
            name=name, result=[TextResultContent(content=tool.return_value_as_string(value))]
        )

    @staticmethod
    def _failure(name: str, exc: Exception) -> ToolResult:
        logger.info("tool %r failed: %s", name, exc, exc_info=not isinstance(exc, ToolError))
        return ToolResult(
            name=name, result=[TextResultContent(content=_error_text(exc))], is_error=True
        )

    def _stopped(
        self, name: str, tool: Tool, token: CancellationToken, requests_before: int | None
    ) -> ToolResult | None:
        """The outcome of a call that ended in ``asyncio.CancelledError``.

        A cancelled token stops the caller with :class:`~retinue.CancelledError`; a
        tool that raised the error although nothing was cancelled gets an error
        result; None means the calling task itself was cancelled (re-raise it).
        """
        if token.is_cancelled():
            raise CancelledError(f"tool {name!r} was cancelled") from None
        if raised_by_itself(requests_before):
            return self._failure(name, own_cancellation_error(tool.name))
        return None

    async def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        cancellation_token: CancellationToken | None = None,
        call_id: str | None = None,
    ) -> ToolResult:
        found = self._find(name)
        if isinstance(found, ToolResult):
            return found
        token = cancellation_token or CancellationToken()
        requests_before = cancel_requests()
        try:
            value = await found.run_json(arguments or {}, token, call_id)
            # Rendering runs the tool's own code (return_value_as_string) and may fail too.
            return self._result(name, found, value)
        except CancelledError:
            raise
        except asyncio.CancelledError:
            stopped = self._stopped(name, found, token, requests_before)
            if stopped is None:
                raise
            return stopped
        except Exception as exc:
            return self._failure(name, exc)

    async def save_state(self) -> Mapping[str, Any]:
        return {"tools": {tool.name: dict(await tool.save_state_json()) for tool in self._tools}}

    async def load_state(self, state: Mapping[str, Any]) -> None:
        saved = state.get("tools", {})
        for tool in self._tools:
            if tool.name in saved:
                await tool.load_state_json(saved[tool.name])

    def _to_config(self) -> StaticWorkbenchConfig:
        return StaticWorkbenchConfig(
            tools=[tool.dump_component() for tool in self._tools], tool_overrides=self._overrides
        )

    @classmethod
    def _from_config(cls, config: StaticWorkbenchConfig) -> StaticWorkbench:
        return cls(
            [load_nested(spec, Tool, f"tools.{index}") for index, spec in enumerate(config.tools)],
            tool_overrides=config.tool_overrides,
        )


class StaticStreamWorkbench(StaticWorkbench, StreamWorkbench):
    """A :class:`StaticWorkbench` that also streams the events of stream tools.

    ``call_tool_stream`` yields the events a :class:`~retinue.tools.BaseStreamTool`
    produces, then one :class:`ToolResult`; other tools yield only the result.
    """

    component_provider = "static_stream"

    async def call_tool_stream(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        cancellation_token: CancellationToken | None = None,
        call_id: str | None = None,
    ) -> AsyncGenerator[Any | ToolResult, None]:
        found = self._find(name)
        if not isinstance(found, BaseStreamTool):
            yield await self.call_tool(name, arguments, cancellation_token, call_id)
            return
        token = cancellation_token or CancellationToken()
        requests_before = cancel_requests()
        last: Any = _NOTHING
        outcome: ToolResult | None = None
        try:
            async for item in found.run_json_stream(arguments or {}, token, call_id):
                if last is not _NOTHING:
                    yield last
                last = item
            if last is _NOTHING:
                raise ToolError(f"stream tool {found.name!r} ended without yielding a result")
            outcome = self._result(name, found, last)
        except CancelledError:
            raise
        except asyncio.CancelledError:
            outcome = self._stopped(name, found, token, requests_before)
            if outcome is None:
                raise
        except Exception as exc:
            outcome = self._failure(name, exc)
        yield outcome
