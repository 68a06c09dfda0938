"""Helpers shared by the agents that call a model: compatible messages, streamed calls, specs."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from retinue import ModelClientError
from retinue.cancellation import CancellationToken
from retinue.chat import ModelClientStreamingChunkEvent
from retinue.components import ComponentModel, parse_spec
from retinue.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    UserMessage,
)
from retinue.tools import Tool, ToolSchema

__all__ = [
    "IMAGE_PLACEHOLDER",
    "call_model",
    "call_model_once",
    "compatible_messages",
    "to_spec",
    "to_specs",
]

IMAGE_PLACEHOLDER = "[image]"
"""What a model without vision sees in place of an image."""


def compatible_messages(
    client: ChatCompletionClient, messages: Sequence[LLMMessage]
) -> list[LLMMessage]:
    """``messages`` as ``client`` can take them: images become text for non-vision models."""
    if client.model_info.get("vision", False):
        return list(messages)
    compatible: list[LLMMessage] = []
    for message in messages:
        if isinstance(message, UserMessage) and isinstance(message.content, list):
            parts = [
                item if isinstance(item, str) else IMAGE_PLACEHOLDER for item in message.content
            ]
            message = UserMessage(content="\n".join(parts), source=message.source)
        compatible.append(message)
    return compatible


async def call_model_once(
    client: ChatCompletionClient,
    messages: Sequence[LLMMessage],
    *,
    cancellation_token: CancellationToken,
    tools: Sequence[Tool | ToolSchema] = (),
    tool_choice: Any = "auto",
    json_output: bool | type[BaseModel] | None = None,
) -> CreateResult:
    """Call the model once, without streaming."""
    return await client.create(
        compatible_messages(client, messages),
        tools=tools,
        tool_choice=tool_choice,
        json_output=json_output,
        cancellation_token=cancellation_token,
    )


async def call_model(
    client: ChatCompletionClient,
    messages: Sequence[LLMMessage],
    *,
    source: str,
    message_id: str,
    stream: bool,
    cancellation_token: CancellationToken,
    tools: Sequence[Tool | ToolSchema] = (),
    tool_choice: Any = "auto",
    json_output: bool | type[BaseModel] | None = None,
) -> AsyncGenerator[ModelClientStreamingChunkEvent | CreateResult, None]:
    """Call the model once; when streaming, yield chunk events before the ``CreateResult``."""
    if not stream:
        yield await call_model_once(
            client,
            messages,
            cancellation_token=cancellation_token,
            tools=tools,
            tool_choice=tool_choice,
            json_output=json_output,
        )
        return
    result: CreateResult | None = None
    async for item in client.create_stream(
        compatible_messages(client, messages),
        tools=tools,
        tool_choice=tool_choice,
        json_output=json_output,
        cancellation_token=cancellation_token,
    ):
        if isinstance(item, CreateResult):
            result = item
        elif item:
            yield ModelClientStreamingChunkEvent(
                content=item, source=source, full_message_id=message_id
            )
    if result is None:
        raise ModelClientError(
            f"{type(client).__name__}.create_stream ended without a CreateResult; a streaming "
            "client must finish with one (this is a bug in the model client)"
        )
    yield result


def to_spec(value: Any) -> Any:
    """Validator helper: accept a ``ComponentModel``, a mapping or AutoGen's spec shape."""
    if value is None or isinstance(value, ComponentModel):
        return value
    if isinstance(value, Mapping):
        return parse_spec(value)
    return value


def to_specs(value: Any) -> Any:
    """Like :func:`to_spec` for a list (a single spec becomes a one-item list)."""
    if value is None:
        return None
    if isinstance(value, (ComponentModel, Mapping)):
        value = [value]
    if isinstance(value, list):
        return [to_spec(item) for item in value]
    return value
