"""Conditions that fire on what the messages say or who sent them.

Stop texts match AutoGen's word for word, so code that inspects ``stop_reason``
keeps working after a migration.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from retinue import ConfigurationError
from retinue.chat import (
    BaseChatMessage,
    HandoffMessage,
    StopMessage,
    TextMessage,
    ToolCallExecutionEvent,
)

from ._base import Delta, FiringCondition

__all__ = [
    "FunctionCallTermination",
    "HandoffTermination",
    "MaxMessageTermination",
    "SourceMatchTermination",
    "StopMessageTermination",
    "TextMentionTermination",
    "TextMessageTermination",
    "TokenUsageTermination",
]


class MaxMessageTerminationConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    max_messages: int = Field(ge=1)
    include_agent_event: bool = False


class MaxMessageTermination(FiringCondition):
    """Stops once ``max_messages`` messages have been seen (events too, if asked)."""

    component_provider = "max_message"
    component_config_schema = MaxMessageTerminationConfig

    def __init__(self, max_messages: int, include_agent_event: bool = False) -> None:
        if not isinstance(max_messages, int) or max_messages < 1:
            raise ConfigurationError(
                f"MaxMessageTermination needs max_messages >= 1, got {max_messages!r}"
            )
        self._max_messages = max_messages
        self._include_agent_event = include_agent_event
        self._count = 0

    async def _check(self, messages: Delta) -> str | None:
        if self._include_agent_event:
            self._count += len(messages)
        else:
            self._count += sum(1 for m in messages if isinstance(m, BaseChatMessage))
        if self._count >= self._max_messages:
            return (
                f"Maximum number of messages {self._max_messages} reached, "
                f"current message count: {self._count}"
            )
        return None

    def _clear(self) -> None:
        self._count = 0

    def _to_config(self) -> MaxMessageTerminationConfig:
        return MaxMessageTerminationConfig(
            max_messages=self._max_messages, include_agent_event=self._include_agent_event
        )

    @classmethod
    def _from_config(cls, config: MaxMessageTerminationConfig) -> MaxMessageTermination:
        return cls(config.max_messages, config.include_agent_event)


class TextMentionTerminationConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    text: str
    sources: list[str] | None = None


class TextMentionTermination(FiringCondition):
    """Stops when a message's text contains ``text`` (optionally only from ``sources``)."""

    component_provider = "text_mention"
    component_config_schema = TextMentionTerminationConfig

    def __init__(self, text: str, sources: Sequence[str] | None = None) -> None:
        if not isinstance(text, str) or not text:
            raise ConfigurationError(
                f"TextMentionTermination needs a non-empty text to look for, got {text!r}"
            )
        self._text = text
        self._sources = list(sources) if sources is not None else None

    async def _check(self, messages: Delta) -> str | None:
        for message in messages:
            if self._sources is not None and message.source not in self._sources:
                continue
            if self._text in message.to_text():
                return f"Text '{self._text}' mentioned"
        return None

    def _to_config(self) -> TextMentionTerminationConfig:
        # Unlike AutoGen, ``sources`` is kept in the spec so a round trip loses nothing.
        return TextMentionTerminationConfig(text=self._text, sources=self._sources)

    @classmethod
    def _from_config(cls, config: TextMentionTerminationConfig) -> TextMentionTermination:
        return cls(config.text, config.sources)


class _NoConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    pass


class StopMessageTermination(FiringCondition):
    """Stops when any participant sends a :class:`~retinue.chat.StopMessage`."""

    component_provider = "stop_message"
    component_config_schema = _NoConfig

    async def _check(self, messages: Delta) -> str | None:
        if any(isinstance(m, StopMessage) for m in messages):
            return "Stop message received"
        return None

    def _to_config(self) -> _NoConfig:
        return _NoConfig()

    @classmethod
    def _from_config(cls, config: _NoConfig) -> StopMessageTermination:
        return cls()


class TokenUsageTerminationConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    max_total_token: int | None = None
    max_prompt_token: int | None = None
    max_completion_token: int | None = None


class TokenUsageTermination(FiringCondition):
    """Stops once the summed ``models_usage`` of the messages reaches any given limit."""

    component_provider = "token_usage"
    component_config_schema = TokenUsageTerminationConfig

    def __init__(
        self,
        max_total_token: int | None = None,
        max_prompt_token: int | None = None,
        max_completion_token: int | None = None,
    ) -> None:
        if max_total_token is None and max_prompt_token is None and max_completion_token is None:
            raise ConfigurationError(
                "TokenUsageTermination needs at least one limit: max_total_token, "
                "max_prompt_token or max_completion_token"
            )
        self._max_total = max_total_token
        self._max_prompt = max_prompt_token
        self._max_completion = max_completion_token
        self._prompt = 0
        self._completion = 0

    async def _check(self, messages: Delta) -> str | None:
        for message in messages:
            usage = message.models_usage
            if usage is not None:
                self._prompt += usage.prompt_tokens
                self._completion += usage.completion_tokens
        total = self._prompt + self._completion
        if (
            (self._max_total is not None and total >= self._max_total)
            or (self._max_prompt is not None and self._prompt >= self._max_prompt)
            or (self._max_completion is not None and self._completion >= self._max_completion)
        ):
            return (
                f"Token usage limit reached, total token count: {total}, prompt token count: "
                f"{self._prompt}, completion token count: {self._completion}."
            )
        return None

    def _clear(self) -> None:
        self._prompt = 0
        self._completion = 0

    def _to_config(self) -> TokenUsageTerminationConfig:
        return TokenUsageTerminationConfig(
            max_total_token=self._max_total,
            max_prompt_token=self._max_prompt,
            max_completion_token=self._max_completion,
        )

    @classmethod
    def _from_config(cls, config: TokenUsageTerminationConfig) -> TokenUsageTermination:
        return cls(config.max_total_token, config.max_prompt_token, config.max_completion_token)


class HandoffTerminationConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    target: str


class HandoffTermination(FiringCondition):
    """Stops when a participant hands off to ``target`` (e.g. ``"user"``)."""

    component_provider = "handoff"
    component_config_schema = HandoffTerminationConfig

    def __init__(self, target: str) -> None:
        self._target = target

    async def _check(self, messages: Delta) -> str | None:
        for message in messages:
            if isinstance(message, HandoffMessage) and message.target == self._target:
                return f"Handoff to {self._target} from {message.source} detected."
        return None

    def _to_config(self) -> HandoffTerminationConfig:
        return HandoffTerminationConfig(target=self._target)

    @classmethod
    def _from_config(cls, config: HandoffTerminationConfig) -> HandoffTermination:
        return cls(config.target)


class SourceMatchTerminationConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    sources: list[str]


class SourceMatchTermination(FiringCondition):
    """Stops as soon as one of ``sources`` has spoken."""

    component_provider = "source_match"
    component_config_schema = SourceMatchTerminationConfig

    def __init__(self, sources: Sequence[str]) -> None:
        if isinstance(sources, str):
            raise ConfigurationError(
                f"SourceMatchTermination takes a list of sources, got the string {sources!r}; "
                f"write [{sources!r}]"
            )
        self._sources = list(sources)

    async def _check(self, messages: Delta) -> str | None:
        for message in messages:
            if message.source in self._sources:
                return f"'{message.source}' answered"
        return None

    def _to_config(self) -> SourceMatchTerminationConfig:
        return SourceMatchTerminationConfig(sources=self._sources)

    @classmethod
    def _from_config(cls, config: SourceMatchTerminationConfig) -> SourceMatchTermination:
        return cls(config.sources)


class TextMessageTerminationConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    source: str | None = None


class TextMessageTermination(FiringCondition):
    """Stops at the first :class:`~retinue.chat.TextMessage` (from ``source``, if given)."""

    component_provider = "text_message"
    component_config_schema = TextMessageTerminationConfig

    def __init__(self, source: str | None = None) -> None:
        self._source = source

    async def _check(self, messages: Delta) -> str | None:
        for message in messages:
            if isinstance(message, TextMessage) and self._source in (None, message.source):
                return f"Text message received from '{message.source}'"
        return None

    def _to_config(self) -> TextMessageTerminationConfig:
        return TextMessageTerminationConfig(source=self._source)

    @classmethod
    def _from_config(cls, config: TextMessageTerminationConfig) -> TextMessageTermination:
        return cls(config.source)


class FunctionCallTerminationConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    function_name: str


class FunctionCallTermination(FiringCondition):
    """Stops once a tool named ``function_name`` has been executed."""

    component_provider = "function_call"
    component_config_schema = FunctionCallTerminationConfig

    def __init__(self, function_name: str) -> None:
        self._function_name = function_name

    async def _check(self, messages: Delta) -> str | None:
        for message in messages:
            if isinstance(message, ToolCallExecutionEvent) and any(
                result.name == self._function_name for result in message.content
            ):
                return f"Function '{self._function_name}' was executed."
        return None

    def _to_config(self) -> FunctionCallTerminationConfig:
        return FunctionCallTerminationConfig(function_name=self._function_name)

    @classmethod
    def _from_config(cls, config: FunctionCallTerminationConfig) -> FunctionCallTermination:
        return cls(config.function_name)
