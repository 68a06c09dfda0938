"""Interceptors: plugin code that sees, rewrites or refuses model calls, tool calls and messages.

Plugins contribute interceptors through the middleware hooks
(``retinue_model_call_interceptors``, ``retinue_tool_call_interceptors``,
``retinue_message_interceptors``).  They are collected **once**, when a client,
tool or runtime is first used, and then called directly: no pluggy call sits on
the per-message path.  Subclass the base class and override what you need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ._message_interceptor import MessageInterceptor

if TYPE_CHECKING:
    from .models import ChatCompletionClient, CreateResult, LLMMessage
    from .tools import Tool

__all__ = [
    "MessageInterceptor",
    "ModelCallInterceptor",
    "ModelCallRequest",
    "ToolCallInterceptor",
    "ToolCallRequest",
]


@dataclass(frozen=True)
class ModelCallRequest:
    """One model call as interceptors see it; return a changed copy with ``replace()``."""

    client: ChatCompletionClient
    messages: Sequence[LLMMessage]
    tools: Sequence[Any] = ()
    tool_choice: Any = "auto"
    json_output: Any = None
    extra_create_args: Mapping[str, Any] = field(default_factory=dict)
    stream: bool = False

    def replace(self, **changes: Any) -> ModelCallRequest:
        return replace(self, **changes)


class ModelCallInterceptor:
    """Sees every ``create``/``create_stream`` of the clients it was collected for."""

    async def before_model_call(self, request: ModelCallRequest) -> ModelCallRequest:
        """Inspect or rewrite the request; raise a ``RetinueError`` to refuse it."""
        return request

    async def after_model_call(
        self, request: ModelCallRequest, result: CreateResult
    ) -> CreateResult:
        """Inspect or rewrite the final result (for streams: the closing ``CreateResult``)."""
        return result


@dataclass(frozen=True)
class ToolCallRequest:
    """One tool call as interceptors see it."""

    tool: Tool
    arguments: Mapping[str, Any]
    call_id: str | None = None

    def replace(self, **changes: Any) -> ToolCallRequest:
        return replace(self, **changes)


class ToolCallInterceptor:
    """Sees every ``run_json`` of the tools it was collected for."""

    async def before_tool_call(self, request: ToolCallRequest) -> ToolCallRequest:
        """Inspect or rewrite the arguments; raise a ``RetinueError`` to refuse the call."""
        return request

    async def after_tool_call(self, request: ToolCallRequest, result: Any) -> Any:
        """Inspect or rewrite the tool's return value."""
        return result
