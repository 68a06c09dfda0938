"""The kernel's model contexts: all messages, the last N, head and tail, or a token budget."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from .._errors import ConfigurationError
from ..components import ComponentModel, load_nested
from ..models import (
    AssistantMessage,
    ChatCompletionClient,
    FunctionExecutionResultMessage,
    LLMMessage,
    UserMessage,
)
from ._context import ChatCompletionContext

if TYPE_CHECKING:
    from ..tools import ToolSchema

__all__ = [
    "BufferedChatCompletionContext",
    "HeadAndTailChatCompletionContext",
    "TokenLimitedChatCompletionContext",
    "UnboundedChatCompletionContext",
]


def _positive(name: str, value: int, context: str) -> int:
    if not isinstance(value, int) or value <= 0:
        raise ConfigurationError(f"{context} needs {name} > 0, got {value!r}")
    return value


def _without_unpaired_tool_messages(messages: list[LLMMessage]) -> list[LLMMessage]:
    """``messages`` without tool results whose call is missing, nor tool calls whose
    results are missing: providers reject either.  A call in the newest message is
    still being run, so it stays."""
    answered = {
        result.call_id
        for message in messages
        if isinstance(message, FunctionExecutionResultMessage)
        for result in message.content
    }
    asked: set[str] = set()
    kept: list[LLMMessage] = []
    for position, message in enumerate(messages):
        if isinstance(message, AssistantMessage) and isinstance(message.content, list):
            calls = {call.id for call in message.content}
            if position != len(messages) - 1 and not calls <= answered:
                continue
            asked |= calls
        elif isinstance(message, FunctionExecutionResultMessage) and any(
            result.call_id not in asked for result in message.content
        ):
            continue
        kept.append(message)
    return kept


class UnboundedContextConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    initial_messages: list[LLMMessage] | None = None


class UnboundedChatCompletionContext(ChatCompletionContext):
    """Shows the model every message."""

    component_provider = "unbounded"
    component_config_schema = UnboundedContextConfig

    async def get_messages(self) -> list[LLMMessage]:
        return list(self._messages)

    def _to_config(self) -> UnboundedContextConfig:
        return UnboundedContextConfig(initial_messages=self._initial_messages or None)

    @classmethod
    def _from_config(cls, config: UnboundedContextConfig) -> UnboundedChatCompletionContext:
        return cls(config.initial_messages)


class BufferedContextConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    buffer_size: int = Field(gt=0)
    initial_messages: list[LLMMessage] | None = None


class BufferedChatCompletionContext(ChatCompletionContext):
    """Shows the model the last ``buffer_size`` messages.

    A tool-result message left at the start of the window (its call fell outside) is dropped.
    """

    component_provider = "buffered"
    component_config_schema = BufferedContextConfig

    def __init__(
        self, buffer_size: int, initial_messages: Sequence[LLMMessage] | None = None
    ) -> None:
        super().__init__(initial_messages)
        self._buffer_size = _positive("buffer_size", buffer_size, type(self).__name__)

    async def get_messages(self) -> list[LLMMessage]:
        return _without_unpaired_tool_messages(self._messages[-self._buffer_size :])

    def _to_config(self) -> BufferedContextConfig:
        return BufferedContextConfig(
            buffer_size=self._buffer_size, initial_messages=self._initial_messages or None
        )

    @classmethod
    def _from_config(cls, config: BufferedContextConfig) -> BufferedChatCompletionContext:
        return cls(config.buffer_size, config.initial_messages)


class HeadAndTailContextConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    head_size: int = Field(gt=0)
    tail_size: int = Field(gt=0)
    initial_messages: list[LLMMessage] | None = None


class HeadAndTailChatCompletionContext(ChatCompletionContext):
    """Shows the first ``head_size`` and last ``tail_size`` messages, noting how many were skipped.

    The gap becomes ``UserMessage("Skipped {n} messages.", source="System")``.  The head
    does not end with an assistant's tool calls, nor the tail start with their results.
    """

    component_provider = "head_and_tail"
    component_config_schema = HeadAndTailContextConfig

    def __init__(
        self, head_size: int, tail_size: int, initial_messages: Sequence[LLMMessage] | None = None
    ) -> None:
        super().__init__(initial_messages)
        name = type(self).__name__
        self._head_size = _positive("head_size", head_size, name)
        self._tail_size = _positive("tail_size", tail_size, name)

    async def get_messages(self) -> list[LLMMessage]:
        messages = self._messages
        if len(messages) <= self._head_size + self._tail_size:
            return list(messages)
        head = list(messages[: self._head_size])
        # A head ending in tool calls would leave them unanswered; keep it out.
        if head and isinstance(head[-1].content, list) and head[-1].type == "AssistantMessage":
            head = head[:-1]
        tail = _without_unpaired_tool_messages(list(messages[-self._tail_size :]))
        skipped = len(messages) - len(head) - len(tail)
        notice = UserMessage(content=f"Skipped {skipped} messages.", source="System")
        return [*head, notice, *tail]

    def _to_config(self) -> HeadAndTailContextConfig:
        return HeadAndTailContextConfig(
            head_size=self._head_size,
            tail_size=self._tail_size,
            initial_messages=self._initial_messages or None,
        )

    @classmethod
    def _from_config(cls, config: HeadAndTailContextConfig) -> HeadAndTailChatCompletionContext:
        return cls(config.head_size, config.tail_size, config.initial_messages)


class TokenLimitedContextConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    model_client: ComponentModel
    token_limit: int | None = Field(default=None, gt=0)
    tool_schema: list[dict[str, Any]] | None = None
    initial_messages: list[LLMMessage] | None = None


class TokenLimitedChatCompletionContext(ChatCompletionContext):
    """Shows as many messages as fit a token budget, dropping from the middle first.

    The budget is ``token_limit`` tokens, or (without one) whatever the client's context
    window leaves; tokens are counted by ``model_client.count_tokens``, including
    ``tool_schema``.  The first message (usually the task) and the newest are kept longest;
    a tool call and its result are left out together.
    """

    component_provider = "token_limited"
    component_config_schema = TokenLimitedContextConfig

    def __init__(
        self,
        model_client: ChatCompletionClient,
        *,
        token_limit: int | None = None,
        tool_schema: Sequence[ToolSchema] | None = None,
        initial_messages: Sequence[LLMMessage] | None = None,
    ) -> None:
        super().__init__(initial_messages)
        if token_limit is not None:
            _positive("token_limit", token_limit, type(self).__name__)
        self._model_client = model_client
        self._token_limit = token_limit
        self._tool_schema = list(tool_schema or [])

    def _fits(self, messages: list[LLMMessage]) -> bool:
        if self._token_limit is None:
            return self._model_client.remaining_tokens(messages, tools=self._tool_schema) >= 0
        used = self._model_client.count_tokens(messages, tools=self._tool_schema)
        return used <= self._token_limit

    async def get_messages(self) -> list[LLMMessage]:
        messages = list(self._messages)
        while messages and not self._fits(messages):
            del messages[len(messages) // 2]
            messages = _without_unpaired_tool_messages(messages)
        return messages

    def _to_config(self) -> TokenLimitedContextConfig:
        return TokenLimitedContextConfig(
            model_client=self._model_client.dump_component(),
            token_limit=self._token_limit,
            tool_schema=[dict(schema) for schema in self._tool_schema] or None,
            initial_messages=self._initial_messages or None,
        )

    @classmethod
    def _from_config(cls, config: TokenLimitedContextConfig) -> TokenLimitedChatCompletionContext:
        return cls(
            load_nested(config.model_client, ChatCompletionClient, "model_client"),
            token_limit=config.token_limit,
            tool_schema=config.tool_schema,  # type: ignore[arg-type]
            initial_messages=config.initial_messages,
        )
