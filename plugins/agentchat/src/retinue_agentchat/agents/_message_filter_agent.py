"""``MessageFilterAgent``: shows a wrapped agent only the messages it should see."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from retinue import ConfigurationError
from retinue.cancellation import CancellationToken
from retinue.chat import BaseAgentEvent, BaseChatMessage, ChatAgent, Response
from retinue.components import ComponentModel, load_component

from ._base_chat_agent import BaseChatAgent
from ._model_calls import to_spec

__all__ = [
    "MessageFilterAgent",
    "MessageFilterAgentConfig",
    "MessageFilterConfig",
    "PerSourceFilter",
]


class PerSourceFilter(BaseModel):
    """Keep the messages from ``source``: all, or the ``first``/``last`` ``count`` of them."""

    model_config = ConfigDict(defer_build=True)

    source: str
    position: Literal["first", "last"] | None = None
    count: int | None = Field(default=None, ge=0)


class MessageFilterConfig(BaseModel):
    """Which messages pass: those kept by any of the per-source filters."""

    model_config = ConfigDict(defer_build=True)

    per_source: list[PerSourceFilter]


class MessageFilterAgentConfig(BaseModel):
    """Declarative config of :class:`MessageFilterAgent`."""

    model_config = ConfigDict(defer_build=True)

    name: str
    wrapped_agent: ComponentModel
    filter: MessageFilterConfig

    _spec = field_validator("wrapped_agent", mode="before")(to_spec)


class MessageFilterAgent(BaseChatAgent):
    """Wraps an agent and passes it only the messages the filter keeps, in their order.

    Useful in graphs and group chats where an agent should see, say, only the user's
    task and the last message of one colleague::

        MessageFilterAgent("critic", critic, filter=MessageFilterConfig(per_source=[
            PerSourceFilter(source="user", position="first", count=1),
            PerSourceFilter(source="writer", position="last", count=1),
        ]))

    Everything else (reset, state, produced types) is the wrapped agent's.
    """

    component_provider = "message_filter_agent"
    component_config_schema = MessageFilterAgentConfig

    def __init__(self, name: str, wrapped_agent: ChatAgent, filter: MessageFilterConfig) -> None:
        if not isinstance(wrapped_agent, ChatAgent):
            raise ConfigurationError(
                f"agent {name!r}: wrapped_agent must be a ChatAgent, got "
                f"{type(wrapped_agent).__name__}"
            )
        if not isinstance(filter, MessageFilterConfig):
            raise ConfigurationError(
                f"agent {name!r}: filter must be a MessageFilterConfig, got {type(filter).__name__}"
            )
        super().__init__(name, wrapped_agent.description)
        self._wrapped_agent = wrapped_agent
        self._filter = filter

    @property
    def wrapped_agent(self) -> ChatAgent:
        return self._wrapped_agent

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return self._wrapped_agent.produced_message_types

    def apply_filter(self, messages: Sequence[BaseChatMessage]) -> list[BaseChatMessage]:
        """The messages the wrapped agent gets."""
        kept: set[int] = set()
        for rule in self._filter.per_source:
            indices = [i for i, message in enumerate(messages) if message.source == rule.source]
            if rule.count is not None and rule.position == "first":
                indices = indices[: rule.count]
            elif rule.count is not None and rule.position == "last":
                indices = indices[len(indices) - rule.count :] if rule.count else []
            kept.update(indices)
        return [message for i, message in enumerate(messages) if i in kept]

    async def on_messages(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> Response:
        return await self._wrapped_agent.on_messages(
            self.apply_filter(messages), cancellation_token
        )

    async def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        async for item in self._wrapped_agent.on_messages_stream(
            self.apply_filter(messages), cancellation_token
        ):
            yield item

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        await self._wrapped_agent.on_reset(cancellation_token)

    async def on_pause(self, cancellation_token: CancellationToken) -> None:
        await self._wrapped_agent.on_pause(cancellation_token)

    async def on_resume(self, cancellation_token: CancellationToken) -> None:
        await self._wrapped_agent.on_resume(cancellation_token)

    async def save_state(self) -> Mapping[str, Any]:
        return await self._wrapped_agent.save_state()

    async def load_state(self, state: Mapping[str, Any]) -> None:
        await self._wrapped_agent.load_state(state)

    async def close(self) -> None:
        await self._wrapped_agent.close()

    def _to_config(self) -> MessageFilterAgentConfig:
        return MessageFilterAgentConfig(
            name=self.name,
            wrapped_agent=self._wrapped_agent.dump_component(),
            filter=self._filter,
        )

    @classmethod
    def _from_config(cls, config: MessageFilterAgentConfig) -> MessageFilterAgent:
        return cls(config.name, load_component(config.wrapped_agent, ChatAgent), config.filter)
