"""Workbenches: a set of tools that share resources and are listed and called by name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..cancellation import CancellationToken
from ..components import Component
from ..models._types import Image
from ._base import ToolSchema

__all__ = ["ImageResultContent", "StreamWorkbench", "TextResultContent", "ToolResult", "Workbench"]


class TextResultContent(BaseModel):
    """Text returned by a tool."""

    model_config = ConfigDict(defer_build=True)

    type: Literal["TextResultContent"] = "TextResultContent"
    content: str


class ImageResultContent(BaseModel):
    """An image returned by a tool."""

    model_config = ConfigDict(defer_build=True)

    type: Literal["ImageResultContent"] = "ImageResultContent"
    content: Image


class ToolResult(BaseModel):
    """The outcome of :meth:`Workbench.call_tool`; errors are results with ``is_error``."""

    model_config = ConfigDict(defer_build=True)

    type: Literal["ToolResult"] = "ToolResult"
    name: str
    result: list[Annotated[TextResultContent | ImageResultContent, Field(discriminator="type")]]
    is_error: bool = False

    def to_text(self, replace_image: str | None = None) -> str:
        """Join the text parts; images become ``replace_image`` (default ``[image]``)."""
        parts = []
        for item in self.result:
            if isinstance(item, TextResultContent):
                parts.append(item.content)
            else:
                parts.append(replace_image if replace_image is not None else "[image]")
        return "\n".join(parts)


class Workbench(Component[Any], ABC):
    """A group of tools behind one interface (a static list, an MCP server, ...).

    Use as an async context manager to ``start`` and ``stop`` it.  ``call_tool``
    never raises for a failing tool: it returns a :class:`ToolResult` with
    ``is_error=True`` and a message the model can act on.
    """

    component_kind = "workbench"

    @abstractmethod
    async def list_tools(self) -> list[ToolSchema]: ...

    @abstractmethod
    async def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        cancellation_token: CancellationToken | None = None,
        call_id: str | None = None,
    ) -> ToolResult: ...

    async def start(self) -> None:
        """Acquire resources (connect, spawn, ...)."""
        return None

    async def stop(self) -> None:
        """Release resources."""
        return None

    async def reset(self) -> None:
        """Return to the initial state."""
        return None

    async def save_state(self) -> Mapping[str, Any]:
        return {}

    async def load_state(self, state: Mapping[str, Any]) -> None:
        return None

    async def __aenter__(self) -> Workbench:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class StreamWorkbench(Workbench, ABC):
    """A workbench whose tools can stream intermediate events before their result."""

    @abstractmethod
    def call_tool_stream(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        cancellation_token: CancellationToken | None = None,
        call_id: str | None = None,
    ) -> AsyncGenerator[Any | ToolResult, None]:
        """Yield events, then exactly one :class:`ToolResult`."""
