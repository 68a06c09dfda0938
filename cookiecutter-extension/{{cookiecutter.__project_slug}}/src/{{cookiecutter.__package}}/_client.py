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
    BaseChatCompletionClient,
    CreateResult,
    LLMMessage,
    RequestUsage,
    TokenEstimator,
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


class {{ cookiecutter.__class_prefix }}ChatCompletionClient(BaseChatCompletionClient[Any]):
    """Answers with ``prefix`` followed by the last user message.

    The kernel's ``BaseChatCompletionClient`` supplies usage accounting, offline token
    estimates (``token_estimator``), ``remaining_tokens`` and, for a real provider, the
    lazily built SDK client (``_make_sdk_client``) and cancellable calls (``_guarded``).
    """

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = {{ cookiecutter.__class_prefix }}ClientConfig
    token_estimator = TokenEstimator()  # set your provider's constants here

    def __init__(self, model: str = "echo-1", prefix: str = "", context_window: int = 4096) -> None:
        super().__init__(
            model=model,
            model_info={
                "vision": False,
                "function_calling": False,
                "json_output": False,
                "family": "unknown",
                "context_window": context_window,
            },
        )
        self._prefix = prefix
        self._context_window = context_window

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
        # A real provider: request = to_wire(messages); answer = await self._guarded(
        #     self._sdk().create(**request), cancellation_token)
        answer = self._answer(messages)
        usage = RequestUsage(
            prompt_tokens=self.count_tokens(messages), completion_tokens=len(answer.split())
        )
        self._record(usage)
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

    def _to_config(self) -> {{ cookiecutter.__class_prefix }}ClientConfig:
        return {{ cookiecutter.__class_prefix }}ClientConfig(
            model=self._model, prefix=self._prefix, context_window=self._context_window
        )

    @classmethod
    def _from_config(
        cls, config: {{ cookiecutter.__class_prefix }}ClientConfig
    ) -> {{ cookiecutter.__class_prefix }}ChatCompletionClient:
        return cls(model=config.model, prefix=config.prefix, context_window=config.context_window)
