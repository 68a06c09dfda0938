"""An agent that answers every turn by echoing the last message it received.

Replace ``on_messages_stream`` with your agent's behaviour; ``BaseChatAgent`` from
retinue-agentchat provides ``run``, ``run_stream`` and ``on_messages``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from retinue import CancellationToken, ConfigurationError
from retinue.chat import BaseAgentEvent, BaseChatMessage, Response, TextMessage
from retinue_agentchat.agents import BaseChatAgent

__all__ = ["{{ cookiecutter.__class_prefix }}EchoAgent", "{{ cookiecutter.__class_prefix }}EchoAgentConfig"]


class {{ cookiecutter.__class_prefix }}EchoAgentConfig(BaseModel):
    """Configuration of :class:`{{ cookiecutter.__class_prefix }}EchoAgent`."""

    name: str = "{{ cookiecutter.plugin_name | replace('-', '_') }}_echo"
    description: str = "Repeats the last message it received."
    prefix: str = ""


class {{ cookiecutter.__class_prefix }}EchoAgent(BaseChatAgent):
    """Replies with ``prefix`` plus the text of the last message; remembers how often it spoke."""

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = {{ cookiecutter.__class_prefix }}EchoAgentConfig

    def __init__(
        self,
        name: str = {{ cookiecutter.__class_prefix }}EchoAgentConfig().name,
        description: str = {{ cookiecutter.__class_prefix }}EchoAgentConfig().description,
        prefix: str = "",
    ) -> None:
        super().__init__(name, description)
        self._prefix = prefix
        self._replies = 0
        self._last_text = ""

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return (TextMessage,)

    async def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        if messages:
            self._last_text = messages[-1].to_text()
        self._replies += 1
        reply = TextMessage(content=self._prefix + self._last_text, source=self.name)
        yield Response(chat_message=reply)

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        self._replies = 0
        self._last_text = ""

    async def save_state(self) -> Mapping[str, Any]:
        return {"type": "EchoAgentState", "replies": self._replies, "last_text": self._last_text}

    async def load_state(self, state: Mapping[str, Any]) -> None:
        if not isinstance(state, Mapping) or not isinstance(state.get("replies"), int):
            raise ConfigurationError(
                f"agent {self.name!r}: state must be a mapping saved by save_state(), "
                f"got {state!r}"
            )
        self._replies = state["replies"]
        self._last_text = str(state.get("last_text", ""))

    def _to_config(self) -> {{ cookiecutter.__class_prefix }}EchoAgentConfig:
        return {{ cookiecutter.__class_prefix }}EchoAgentConfig(
            name=self.name, description=self.description, prefix=self._prefix
        )

    @classmethod
    def _from_config(
        cls, config: {{ cookiecutter.__class_prefix }}EchoAgentConfig
    ) -> {{ cookiecutter.__class_prefix }}EchoAgent:
        return cls(name=config.name, description=config.description, prefix=config.prefix)
