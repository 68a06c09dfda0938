"""Convert retinue's LLM messages, tools and tool choice to OpenAI chat-completions JSON."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from retinue import ConfigurationError
from retinue.models import (
    AssistantMessage,
    FunctionCall,
    FunctionExecutionResultMessage,
    Image,
    LLMMessage,
    SystemMessage,
    ToolChoice,
    UserMessage,
)
from retinue.tools import Tool, ToolSchema

__all__ = ["to_openai_messages", "to_openai_tool_choice", "to_openai_tools"]

_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


def _safe_name(source: str) -> str:
    # OpenAI rejects message names outside [a-zA-Z0-9_-]{1,64}.
    return _NAME_UNSAFE.sub("_", source)[:64] or "user"


def to_openai_messages(
    messages: Sequence[LLMMessage], *, system_role: str, include_name: bool
) -> list[dict[str, Any]]:
    """The ``messages`` array; ``system_role`` is ``system`` or ``developer`` (reasoning models)."""
    converted: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            converted.append({"role": system_role, "content": message.content})
        elif isinstance(message, UserMessage):
            converted.append(_user(message, include_name))
        elif isinstance(message, AssistantMessage):
            converted.append(_assistant(message))
        elif isinstance(message, FunctionExecutionResultMessage):
            converted.extend(
                {"role": "tool", "tool_call_id": result.call_id, "content": result.content}
                for result in message.content
            )
        else:
            raise ConfigurationError(
                f"cannot send a {type(message).__name__} to an OpenAI model; pass SystemMessage, "
                "UserMessage, AssistantMessage or FunctionExecutionResultMessage"
            )
    return converted


def _user(message: UserMessage, include_name: bool) -> dict[str, Any]:
    content: Any
    if isinstance(message.content, str):
        content = message.content
    else:
        content = [
            {"type": "image_url", "image_url": {"url": part.data_uri}}
            if isinstance(part, Image)
            else {"type": "text", "text": part}
            for part in message.content
        ]
    converted: dict[str, Any] = {"role": "user", "content": content}
    if include_name:
        converted["name"] = _safe_name(message.source)
    return converted


def _assistant(message: AssistantMessage) -> dict[str, Any]:
    if isinstance(message.content, str):
        return {"role": "assistant", "content": message.content}
    return {
        "role": "assistant",
        # The reasoning that led to the calls stays with them, as the model wrote it.
        "content": message.thought,
        "tool_calls": [_tool_call(call) for call in message.content],
    }


def _tool_call(call: FunctionCall) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }
    if call.provider_data:
        # Gemini refuses a call of the current turn without its thought signature.
        converted["extra_content"] = call.provider_data
    return converted


def _schema_of(tool: Tool | ToolSchema) -> ToolSchema:
    return tool.schema if isinstance(tool, Tool) else tool


def to_openai_tools(tools: Sequence[Tool | ToolSchema]) -> list[dict[str, Any]]:
    """The ``tools`` array (function tools)."""
    converted = []
    for tool in tools:
        schema = _schema_of(tool)
        function: dict[str, Any] = {"name": schema["name"]}
        if "description" in schema:
            function["description"] = schema["description"]
        function["parameters"] = schema.get(
            "parameters", {"type": "object", "properties": {}, "required": []}
        )
        if "strict" in schema:
            function["strict"] = schema["strict"]
        converted.append({"type": "function", "function": function})
    return converted


def to_openai_tool_choice(
    tool_choice: ToolChoice, tools: Sequence[Tool | ToolSchema]
) -> str | dict[str, Any]:
    """The ``tool_choice`` value: a mode string, or the one function the model must call."""
    if isinstance(tool_choice, str):
        if tool_choice not in {"auto", "required", "none"}:
            raise ConfigurationError(
                f"tool_choice {tool_choice!r} is not valid; use 'auto', 'required', 'none' "
                "or one of the tools passed in tools="
            )
        return tool_choice
    names = [_schema_of(tool)["name"] for tool in tools]
    if tool_choice.name not in names:
        raise ConfigurationError(
            f"tool_choice names the tool {tool_choice.name!r}, which is not in tools "
            f"({', '.join(names) or 'none given'}); pass it in tools= as well"
        )
    return {"type": "function", "function": {"name": tool_choice.name}}
