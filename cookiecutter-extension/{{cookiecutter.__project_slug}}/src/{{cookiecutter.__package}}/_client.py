"""A model client that answers offline by echoing the last user message.

Replace the body of ``create`` with a call to your provider; keep the rest of the
contract (usage, streaming, token counting) working the same way.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from retinue import CancellationToken, CancelledError
from retinue.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    ModelInfo,
    RequestUsage,
    ToolChoice,
    UserMessage,
)
from retinue.tools import Tool, ToolSchema

__all__ = ["{{ cookiecutter.__class_prefix }}ChatCompletionClient", "{{ cookiecutter.__class_prefix }}ClientConfig"]


class {{ cookiecutter.__class_prefix }}ClientConfig(BaseModel):
    """Configuration of :class:`{{ cookiecutter.__class_prefix }}ChatCompletionClient`."""

    model: str = "echo-1"
    prefix: str = ""
    context_window: int = 4096


def _text_of(message: LLMMessage) -> str:
    content = getattr(message, "content", "")
    if isinstance(content, str):
        return content
    return " ".join(part for part in content if isinstance(part, str))


class {{ cookiecutter.__class_prefix }}ChatCompletionClient(ChatCompletionClient):
    """Answers with ``prefix`` followed by the last user message; counts words as tokens."""

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = {{ cookiecutter.__class_prefix }}ClientConfig

    def __init__(self, model: str = "echo-1", prefix: str = "", context_window: int = 4096) -> None:
        self._model = model
        self._prefix = prefix
        self._context_window = context_window
        self._last_usage = RequestUsage()
        self._total_usage = RequestUsage()

    def _answer(self, messages: Sequence[LLMMessage]) -> str:
        users = [message for message in messages if isinstance(message, UserMessage)]
        return self._prefix + (_text_of(users[-1]) if users else "")

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: ToolChoice = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> CreateResult:
        if cancellation_token is not None and cancellation_token.is_cancelled():
            raise CancelledError("the model call was cancelled before it started")
        answer = self._answer(messages)
        usage = RequestUsage(
            prompt_tokens=self.count_tokens(messages), completion_tokens=len(answer.split())
        )
        self._last_usage = usage
        self._total_usage = self._total_usage + usage
        return CreateResult(finish_reason="stop", content=answer, usage=usage)

    async def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: ToolChoice = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> AsyncGenerator[str | CreateResult, None]:
        result = await self.create(
            messages, tools=tools, tool_choice=tool_choice, cancellation_token=cancellation_token
        )
        assert isinstance(result.content, str)
        for index, word in enumerate(result.content.split(" ")):
            yield word if index == 0 else " " + word
        yield result

    async def close(self) -> None:
        return None

    def actual_usage(self) -> RequestUsage:
        return self._last_usage

    def total_usage(self) -> RequestUsage:
        return self._total_usage

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return sum(len(_text_of(message).split()) for message in messages)

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return self._context_window - self.count_tokens(messages, tools=tools)

    @property
    def model_info(self) -> ModelInfo:
        return {
            "vision": False,
            "function_calling": False,
            "json_output": False,
            "family": "unknown",
            "context_window": self._context_window,
        }

    def _to_config(self) -> {{ cookiecutter.__class_prefix }}ClientConfig:
        return {{ cookiecutter.__class_prefix }}ClientConfig(
            model=self._model, prefix=self._prefix, context_window=self._context_window
        )

    @classmethod
    def _from_config(
        cls, config: {{ cookiecutter.__class_prefix }}ClientConfig
    ) -> {{ cookiecutter.__class_prefix }}ChatCompletionClient:
        return cls(model=config.model, prefix=config.prefix, context_window=config.context_window)
