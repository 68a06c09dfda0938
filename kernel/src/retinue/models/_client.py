"""The model-client contract every provider plugin implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Union

from pydantic import BaseModel

from .._slots import instrument_class
from ..cancellation import CancellationToken
from ..components import Component
from ._types import CreateResult, LLMMessage, ModelInfo, RequestUsage

if TYPE_CHECKING:
    from ..tools import Tool, ToolSchema

__all__ = ["ChatCompletionClient", "ToolChoice"]

ToolChoice = Union["Tool", Literal["auto", "required", "none"]]


class ChatCompletionClient(Component[Any], ABC):
    """A client for a chat-completion model.

    Implementations convert :data:`~retinue.models.LLMMessage` lists to their
    provider's wire format, call it, and convert the answer to a
    :class:`~retinue.models.CreateResult`.  The kernel wraps ``create`` and
    ``create_stream`` of every registered client with telemetry (``chat {model}``
    spans) and the model-call interceptors, so implementations write no tracing code.

    ``json_output`` is ``True`` for JSON mode, or a pydantic model class for
    structured output.  ``create_stream`` yields text chunks (``str``) and ends
    with exactly one ``CreateResult``.
    """

    component_kind = "model_client"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Every implementation gets the ``chat {model}`` span and the model-call
        # interceptors around its own create/create_stream, without writing any.
        instrument_class("model_client", cls)

    @abstractmethod
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
        """Call the model once and return its complete answer."""

    @abstractmethod
    def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: ToolChoice = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> AsyncGenerator[str | CreateResult, None]:
        """Call the model, yielding text chunks and finally one ``CreateResult``."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections; the client is unusable afterwards."""

    @abstractmethod
    def actual_usage(self) -> RequestUsage:
        """Usage of the most recent call."""

    @abstractmethod
    def total_usage(self) -> RequestUsage:
        """Usage summed over every call of this client."""

    @abstractmethod
    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        """Estimate the prompt tokens ``messages`` and ``tools`` would use (offline)."""

    @abstractmethod
    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        """Tokens left in the context window after ``messages`` and ``tools``."""

    @property
    @abstractmethod
    def model_info(self) -> ModelInfo:
        """What the model can do."""

    @property
    def model_name(self) -> str:
        """The model name for telemetry; clients with a model override this."""
        return getattr(self, "_model", None) or type(self).__name__

    @property
    def provider_name(self) -> str:
        """The ``gen_ai.provider.name`` for telemetry (e.g. ``openai``)."""
        return self.component_provider or type(self).__name__

    async def __aenter__(self) -> ChatCompletionClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
