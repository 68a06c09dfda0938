"""LLM message types and model-call results, shared by every model client."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from typing_extensions import NotRequired, TypedDict

__all__ = [
    "AssistantMessage",
    "ChatCompletionTokenLogprob",
    "CreateResult",
    "FinishReason",
    "FunctionCall",
    "FunctionExecutionResult",
    "FunctionExecutionResultMessage",
    "Image",
    "LLMMessage",
    "RequestUsage",
    "SystemMessage",
    "ThinkingBlock",
    "TopLogprob",
    "UserMessage",
]


class Image(BaseModel):
    """An image as base64 data with its MIME type (no imaging library needed).

    >>> Image.from_bytes(b"\\x89PNG...", "image/png").data_uri[:22]
    'data:image/png;base64,'
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    type: Literal["Image"] = "Image"
    data: str = Field(description="base64-encoded image bytes")
    mime_type: str = "image/png"

    @classmethod
    def from_bytes(cls, data: bytes, mime_type: str = "image/png") -> Image:
        return cls(data=base64.b64encode(data).decode("ascii"), mime_type=mime_type)

    @classmethod
    def from_file(cls, path: str | Path) -> Image:
        path = Path(path)
        mime = mimetypes.guess_type(path.name)[0] or "image/png"
        return cls.from_bytes(path.read_bytes(), mime)

    @classmethod
    def from_data_uri(cls, uri: str) -> Image:
        header, _, payload = uri.partition(",")
        mime = header.removeprefix("data:").split(";", 1)[0] or "image/png"
        return cls(data=payload, mime_type=mime)

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime_type};base64,{self.data}"

    def to_bytes(self) -> bytes:
        return base64.b64decode(self.data)


class _OptionalExtensions(BaseModel):
    """Leaves the fields named in ``_omitted_when_none`` out of dumps while they are None.

    Fields added after the first release stay invisible in the dumps of values that do
    not use them, so saved states and wire payloads keep their earlier shape.
    """

    model_config = ConfigDict(defer_build=True)

    _omitted_when_none: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The serializer only drops keys, so the schema is still the fields' own.
        fields_only = {k: v for k, v in core_schema.items() if k != "serialization"}
        return handler(cast(CoreSchema, fields_only))

    @model_serializer(mode="wrap")
    def _omit_unused_extensions(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name in self._omitted_when_none:
                if data.get(name, 0) is None:
                    del data[name]
        return data


class FunctionCall(_OptionalExtensions):
    """A tool call requested by a model; ``arguments`` is the raw JSON text the model produced.

    ``provider_data`` is what the provider attached to the call and needs back unchanged
    with it (Gemini's ``{"google": {"thought_signature": ...}}``); clients fill it and
    send it back, callers carry it along.
    """

    _omitted_when_none = ("provider_data",)

    id: str
    name: str
    arguments: str
    provider_data: dict[str, Any] | None = None


class ThinkingBlock(BaseModel):
    """One block of a model's reasoning, signed or encrypted by the provider.

    Providers that check reasoning across turns (Anthropic's extended thinking with
    tool use) refuse a request whose earlier thinking is missing or altered, so a
    client returns these blocks unchanged in the assistant turn they came with.
    ``type`` is ``"thinking"`` (readable ``thinking`` and its ``signature``) or
    ``"redacted_thinking"`` (encrypted ``data`` only).
    """

    model_config = ConfigDict(defer_build=True)

    type: Literal["thinking", "redacted_thinking"] = "thinking"
    thinking: str = ""
    signature: str | None = None
    data: str | None = None


class SystemMessage(BaseModel):
    """Instructions for the model from the application."""

    model_config = ConfigDict(defer_build=True)

    content: str
    type: Literal["SystemMessage"] = "SystemMessage"


class UserMessage(BaseModel):
    """Input from a user or another agent; ``source`` names who said it."""

    model_config = ConfigDict(defer_build=True)

    content: str | list[str | Image]
    source: str = "user"
    type: Literal["UserMessage"] = "UserMessage"


class AssistantMessage(_OptionalExtensions):
    """A model's earlier reply: text or tool calls, with optional reasoning ``thought``.

    ``thinking_blocks`` are the provider's signed reasoning blocks of that reply
    (:attr:`CreateResult.thinking_blocks`), sent back unchanged by the client that
    understands them and ignored by others.
    """

    _omitted_when_none = ("thinking_blocks",)

    content: str | list[FunctionCall]
    thought: str | None = None
    thinking_blocks: list[ThinkingBlock] | None = None
    source: str = "assistant"
    type: Literal["AssistantMessage"] = "AssistantMessage"


class FunctionExecutionResult(BaseModel):
    """The result of one tool call, matched to it by ``call_id``."""

    model_config = ConfigDict(defer_build=True)

    content: str
    name: str
    call_id: str
    is_error: bool = False


class FunctionExecutionResultMessage(BaseModel):
    """Results of the tool calls of the preceding assistant message."""

    model_config = ConfigDict(defer_build=True)

    content: list[FunctionExecutionResult]
    type: Literal["FunctionExecutionResultMessage"] = "FunctionExecutionResultMessage"


LLMMessage = Annotated[
    SystemMessage | UserMessage | AssistantMessage | FunctionExecutionResultMessage,
    Field(discriminator="type"),
]
"""Any message a model client accepts, discriminated by ``type``."""


class RequestUsage(BaseModel):
    """Token counts of one call (or a running total)."""

    model_config = ConfigDict(defer_build=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: RequestUsage) -> RequestUsage:
        return RequestUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_prompt_tokens=self.cached_prompt_tokens + other.cached_prompt_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
        )


FinishReason = Literal["stop", "length", "function_calls", "content_filter", "unknown"]


class TopLogprob(BaseModel):
    """One alternative token and its log probability."""

    model_config = ConfigDict(defer_build=True)

    logprob: float
    bytes: list[int] | None = None


class ChatCompletionTokenLogprob(BaseModel):
    """The log probability of one generated token, with its top alternatives."""

    model_config = ConfigDict(defer_build=True)

    token: str
    logprob: float
    top_logprobs: list[TopLogprob] | None = None
    bytes: list[int] | None = None


class CreateResult(_OptionalExtensions):
    """What a model call returns: text or tool calls, why it stopped, and its usage.

    A model that declines to answer sets ``refusal`` to its explanation, which is also
    the text ``content``, and ``finish_reason`` to ``"content_filter"``.
    ``thinking_blocks`` carries the provider's signed reasoning; put it on the
    :class:`AssistantMessage` that records this reply so the next request returns it.
    """

    _omitted_when_none = ("thinking_blocks", "refusal")

    finish_reason: FinishReason
    content: str | list[FunctionCall]
    usage: RequestUsage = Field(default_factory=RequestUsage)
    cached: bool = False
    logprobs: list[ChatCompletionTokenLogprob] | None = None
    thought: str | None = None
    thinking_blocks: list[ThinkingBlock] | None = None
    refusal: str | None = None


class _ModelInfoBase(TypedDict):
    vision: bool
    function_calling: bool
    json_output: bool
    family: str


class ModelInfo(_ModelInfoBase):
    """What a model can do; clients use it to refuse or adapt requests.

    ``family`` is one of :class:`ModelFamily`'s values or any string.
    """

    structured_output: NotRequired[bool]
    multiple_system_messages: NotRequired[bool]
    context_window: NotRequired[int]
