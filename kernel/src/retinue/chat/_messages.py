"""AgentChat messages (exchanged between agents) and events (reported to observers).

Every concrete class has a literal ``type`` field, so any of them round-trips through
JSON with :func:`load_chat_message`.  Plugins add their own message classes by
subclassing :class:`BaseChatMessage` or :class:`BaseAgentEvent`; subclasses register
themselves by their ``type`` value, and a clash is refused.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._errors import ConfigurationError, SerializationError, bounded_repr, bounded_text
from ..code import CodeBlock, CodeResult
from ..models import (
    FunctionCall,
    FunctionExecutionResult,
    Image,
    LLMMessage,
    RequestUsage,
    UserMessage,
)

__all__ = [
    "BaseAgentEvent",
    "BaseChatMessage",
    "BaseMessage",
    "BaseTextChatMessage",
    "CodeExecutionEvent",
    "CodeGenerationEvent",
    "HandoffMessage",
    "MemoryQueryEvent",
    "ModelClientStreamingChunkEvent",
    "MultiModalMessage",
    "SelectSpeakerEvent",
    "SelectorEvent",
    "StopMessage",
    "StructuredMessage",
    "TextMessage",
    "ThoughtEvent",
    "ToolCallExecutionEvent",
    "ToolCallRequestEvent",
    "ToolCallSummaryMessage",
    "UserInputRequestedEvent",
    "load_chat_message",
    "message_types",
]

_MESSAGE_TYPES: dict[str, type[BaseMessage]] = {}

# Parametrized structured-message classes by the name of their content class, with that
# class, so a saved one loads with its content class (None: two content classes share
# the name, and the name alone cannot tell which).
_STRUCTURED_BY_CONTENT: dict[str, tuple[type[BaseModel], type[BaseMessage]] | None] = {}
# AutoGen writes a structured message's type as "StructuredMessage[ContentClassName]"
# (a qualified name for a class defined inside a function: the last part names it).
_AUTOGEN_STRUCTURED_TYPE = re.compile(r"StructuredMessage\[(?:[^\[\]]{0,200}\.)?(\w{1,100})\]")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _random_id_prefix() -> str:
    # A random version-4 UUID without its last group, which the counter fills: 74
    # random bits per process, so ids made by different processes do not collide in
    # practice.
    return str(uuid.uuid4())[:24]


_id_prefix = _random_id_prefix()
_id_counter = itertools.count()


def _reseed_message_ids() -> None:
    # A forked child must not repeat its parent's ids.
    global _id_prefix, _id_counter
    _id_prefix = _random_id_prefix()
    _id_counter = itertools.count()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed_message_ids)


def new_message_id() -> str:
    """A unique message id shaped like a UUID: a random per-process prefix and a counter.

    A ``uuid4()`` per message costs a call for fresh randomness; this costs a counter
    step.  The counter fills the last 48 bits (unique within a process for 2**48 ids).
    """
    return f"{_id_prefix}{next(_id_counter) & 0xFFFFFFFFFFFF:012x}"


class BaseMessage(BaseModel):
    """Fields shared by chat messages and events."""

    model_config = ConfigDict(arbitrary_types_allowed=False, defer_build=True)

    type: str
    id: str = Field(default_factory=new_message_id)
    source: str
    models_usage: RequestUsage | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=_now)

    _register: ClassVar[bool] = True

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        field = cls.model_fields.get("type")
        default = field.default if field is not None else None
        parametrized = cls.__pydantic_generic_metadata__.get("origin") is not None
        if parametrized:
            _remember_structured(cls)
            return
        if not cls.__dict__.get("_register", True) or not isinstance(default, str):
            return
        existing = _MESSAGE_TYPES.get(default)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if existing is not None and f"{existing.__module__}.{existing.__qualname__}" != name:
            raise ConfigurationError(
                f"message type {default!r} of {name} is already "
                f"used by {existing.__module__}.{existing.__qualname__}; give the new class "
                "a distinct `type` literal"
            )
        _MESSAGE_TYPES[default] = cls

    def to_text(self) -> str:
        """A plain-text rendering for consoles and termination checks."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_text()")

    def dump(self) -> dict[str, Any]:
        """JSON-compatible dict, loadable with :func:`load_chat_message`."""
        return self.model_dump(mode="json")


class BaseChatMessage(BaseMessage):
    """A message agents exchange and models see."""

    def to_model_text(self) -> str:
        """The text a model sees for this message."""
        return self.to_text()

    def to_model_message(self) -> LLMMessage:
        """This message as model input (a ``UserMessage`` from ``source`` by default)."""
        return UserMessage(content=self.to_model_text(), source=self.source)


class BaseAgentEvent(BaseMessage):
    """Something that happened inside an agent; observers see it, other agents do not."""


class BaseTextChatMessage(BaseChatMessage):
    """A chat message whose content is a string."""

    content: str

    def to_text(self) -> str:
        return self.content


class TextMessage(BaseTextChatMessage):
    """Plain text from an agent or user."""

    type: Literal["TextMessage"] = "TextMessage"


class StopMessage(BaseTextChatMessage):
    """Asks the team to stop; termination conditions produce it."""

    type: Literal["StopMessage"] = "StopMessage"


class ToolCallSummaryMessage(BaseTextChatMessage):
    """The text of tool results an agent returns instead of a model reply."""

    type: Literal["ToolCallSummaryMessage"] = "ToolCallSummaryMessage"
    tool_calls: list[FunctionCall] = Field(default_factory=list)
    results: list[FunctionExecutionResult] = Field(default_factory=list)


class HandoffMessage(BaseTextChatMessage):
    """Hands the conversation to ``target``, with model ``context`` for it."""

    type: Literal["HandoffMessage"] = "HandoffMessage"
    target: str
    context: list[LLMMessage] = Field(default_factory=list)


class MultiModalMessage(BaseChatMessage):
    """Text and images."""

    type: Literal["MultiModalMessage"] = "MultiModalMessage"
    content: list[str | Image]

    def to_text(self) -> str:
        return "\n".join(item if isinstance(item, str) else "<image>" for item in self.content)

    def to_model_text(self) -> str:
        return "\n".join(item if isinstance(item, str) else "[image]" for item in self.content)

    def to_model_message(self) -> LLMMessage:
        return UserMessage(content=list(self.content), source=self.source)


StructuredT = TypeVar("StructuredT", bound=BaseModel)


class StructuredMessage(BaseChatMessage, Generic[StructuredT]):
    """A message whose content is a pydantic model (e.g. an agent's structured output).

    ``format_string`` (``"{field}"`` placeholders) renders it as text; otherwise JSON.
    :func:`load_chat_message` rebuilds the content with its class when a
    ``StructuredMessage[ThatClass]`` exists in the process (an agent with
    ``output_content_type=ThatClass`` makes one), found by ``content_type`` or, in
    AutoGen's dumps, by the type ``"StructuredMessage[ThatClass]"``; otherwise the
    content is a model holding the saved fields (``content.city``, ``model_dump()``).
    """

    type: Literal["StructuredMessage"] = "StructuredMessage"
    content: StructuredT
    format_string: str | None = None
    content_type: str | None = None

    def to_text(self) -> str:
        data = self.content if isinstance(self.content, Mapping) else self.content.model_dump()
        if self.format_string is not None:
            return self.format_string.format(**data)
        if isinstance(self.content, BaseModel):
            return self.content.model_dump_json()
        import json

        return json.dumps(data)


class _SavedContent(BaseModel):
    """The content of a loaded structured message whose content class is unknown here."""

    model_config = ConfigDict(extra="allow", defer_build=True)


def _remember_structured(cls: type[BaseMessage]) -> None:
    origin = cls.__pydantic_generic_metadata__.get("origin")
    args = cls.__pydantic_generic_metadata__.get("args") or ()
    if not (isinstance(origin, type) and issubclass(origin, StructuredMessage) and args):
        return
    content = args[0]
    if not (isinstance(content, type) and issubclass(content, BaseModel)):
        return
    if content is _SavedContent:
        return
    name = content.__name__
    known = _STRUCTURED_BY_CONTENT.get(name, (content, cls))
    same = known is not None and known[0] is content
    _STRUCTURED_BY_CONTENT[name] = (content, cls) if same else None


class ToolCallRequestEvent(BaseAgentEvent):
    """The model asked for these tool calls."""

    type: Literal["ToolCallRequestEvent"] = "ToolCallRequestEvent"
    content: list[FunctionCall]

    def to_text(self) -> str:
        return str([call.model_dump() for call in self.content])


class ToolCallExecutionEvent(BaseAgentEvent):
    """The tool calls ran with these results."""

    type: Literal["ToolCallExecutionEvent"] = "ToolCallExecutionEvent"
    content: list[FunctionExecutionResult]

    def to_text(self) -> str:
        return str([result.model_dump() for result in self.content])


class MemoryQueryEvent(BaseAgentEvent):
    """Memory contents added to the model context."""

    type: Literal["MemoryQueryEvent"] = "MemoryQueryEvent"
    content: list[Any]

    def to_text(self) -> str:
        return str(self.content)


class UserInputRequestedEvent(BaseAgentEvent):
    """A user-proxy agent is waiting for input."""

    type: Literal["UserInputRequestedEvent"] = "UserInputRequestedEvent"
    request_id: str
    content: str = ""

    def to_text(self) -> str:
        return self.content


class ModelClientStreamingChunkEvent(BaseAgentEvent):
    """A streamed piece of a model reply; ``full_message_id`` names the final message."""

    type: Literal["ModelClientStreamingChunkEvent"] = "ModelClientStreamingChunkEvent"
    content: str
    full_message_id: str | None = None

    def to_text(self) -> str:
        return self.content


class ThoughtEvent(BaseAgentEvent):
    """A model's reasoning text."""

    type: Literal["ThoughtEvent"] = "ThoughtEvent"
    content: str

    def to_text(self) -> str:
        return self.content


class SelectSpeakerEvent(BaseAgentEvent):
    """A team chose these next speakers."""

    type: Literal["SelectSpeakerEvent"] = "SelectSpeakerEvent"
    content: list[str]

    def to_text(self) -> str:
        return str(self.content)


class SelectorEvent(BaseAgentEvent):
    """A speaker selector's commentary (e.g. the model's selection reply)."""

    type: Literal["SelectorEvent"] = "SelectorEvent"
    content: str

    def to_text(self) -> str:
        return self.content


class CodeGenerationEvent(BaseAgentEvent):
    """A model wrote code to run."""

    type: Literal["CodeGenerationEvent"] = "CodeGenerationEvent"
    retry_attempt: int = 0
    content: str
    code_blocks: list[CodeBlock]

    def to_text(self) -> str:
        return self.content


class CodeExecutionEvent(BaseAgentEvent):
    """Generated code ran with this result."""

    type: Literal["CodeExecutionEvent"] = "CodeExecutionEvent"
    retry_attempt: int = 0
    result: CodeResult

    def to_text(self) -> str:
        return self.result.output


def message_types() -> dict[str, type[BaseMessage]]:
    """Every registered message and event class by its ``type`` value."""
    return dict(_MESSAGE_TYPES)


def load_chat_message(data: Mapping[str, Any]) -> BaseMessage:
    """Rebuild a message or event from :meth:`BaseMessage.dump` output.

    Raises:
        SerializationError: the ``type`` is missing or not registered.
    """
    if not isinstance(data, Mapping):
        raise SerializationError(
            f"a saved chat message must be a mapping with a 'type', got {type(data).__name__}"
        )
    type_name = data.get("type")
    autogen_structured = (
        _AUTOGEN_STRUCTURED_TYPE.fullmatch(type_name) if isinstance(type_name, str) else None
    )
    if (
        autogen_structured is not None
        or type_name == StructuredMessage.model_fields["type"].default
    ):
        return _load_structured(data, autogen_structured[1] if autogen_structured else None)
    cls = _MESSAGE_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise SerializationError(
            f"unknown chat message type {bounded_repr(type_name)}; import the module that "
            f"defines it before loading (known: {', '.join(sorted(_MESSAGE_TYPES))})"
        )
    return _validate(cls, data)


def _load_structured(data: Mapping[str, Any], autogen_content_name: str | None) -> BaseMessage:
    """A structured message, with its content class when one of that name is known."""
    fields = {**data, "type": StructuredMessage.model_fields["type"].default}
    if autogen_content_name is not None and fields.get("content_type") is None:
        fields["content_type"] = autogen_content_name
    name = fields.get("content_type")
    known = _STRUCTURED_BY_CONTENT.get(name) if isinstance(name, str) else None
    cls: type[BaseMessage] = known[1] if known is not None else StructuredMessage[_SavedContent]
    return _validate(cls, fields)


def _validate(cls: type[BaseMessage], data: Mapping[str, Any]) -> BaseMessage:
    try:
        return cls.model_validate(dict(data))
    except ValidationError as exc:
        # pydantic's text echoes the input; name the fields only.
        fields = ", ".join(
            ".".join(str(part) for part in item["loc"]) or "<root>" for item in exc.errors()
        )
        raise SerializationError(
            f"a saved {cls.__name__} is invalid (fields: {bounded_text(fields, 200)})"
        ) from None
