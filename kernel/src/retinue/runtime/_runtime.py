"""The ``AgentRuntime`` contract: every runtime (in-process, gRPC, ...) implements it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from ..cancellation import CancellationToken
from ._agent import Agent
from ._ids import AgentId, AgentMetadata, AgentType, TopicId
from ._serialization import MessageSerializer
from ._subscriptions import Subscription

__all__ = ["AgentRuntime"]

AgentT = TypeVar("AgentT", bound=Agent)


class AgentRuntime(ABC):
    """The message bus and agent lifecycle.

    * ``send_message`` is an RPC: the recipient handler's return value (or exception)
      comes back to the caller.
    * ``publish_message`` delivers to every agent whose subscription matches the
      topic, never back to the sender, and returns without waiting for handlers.
    * Agents are created lazily, per ``AgentId(type, key)``, by the factory registered
      for their type; instances can also be registered directly.
    * ``start`` begins delivery; ``stop_when_idle`` waits until no message is queued
      or being handled, then stops; ``stop`` fails the queued messages and gives
      running handlers a bounded grace period before cancelling them (it never
      hangs); ``close`` stops and closes every agent.
    * Crossed call chains (X -> Y while Y -> X) never deadlock.
    """

    @abstractmethod
    def start(self) -> None:
        """Begin delivering messages (messages sent before are queued)."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop: queued messages fail with ``RuntimeClosedError``; bounded wait for handlers."""

    @abstractmethod
    async def stop_when_idle(self) -> None:
        """Wait until nothing is queued or being handled, then stop."""

    @abstractmethod
    async def close(self) -> None:
        """Stop, then close every agent; the runtime cannot be used afterwards."""

    @abstractmethod
    async def send_message(
        self,
        message: Any,
        recipient: AgentId,
        *,
        sender: AgentId | None = None,
        cancellation_token: CancellationToken | None = None,
        message_id: str | None = None,
    ) -> Any:
        """Deliver ``message`` to ``recipient`` and return its handler's reply."""

    @abstractmethod
    async def publish_message(
        self,
        message: Any,
        topic_id: TopicId,
        *,
        sender: AgentId | None = None,
        cancellation_token: CancellationToken | None = None,
        message_id: str | None = None,
    ) -> None:
        """Queue ``message`` for every subscriber of ``topic_id`` except ``sender``."""

    @abstractmethod
    async def register_factory(
        self,
        type: str | AgentType,
        agent_factory: Callable[[], AgentT | Awaitable[AgentT]],
        *,
        expected_class: type[AgentT] | None = None,
    ) -> AgentType:
        """Register how to create agents of ``type`` (called once per new key)."""

    @abstractmethod
    async def register_agent_instance(self, agent_instance: Agent, agent_id: AgentId) -> AgentId:
        """Register an already-built agent as ``agent_id``."""

    @abstractmethod
    async def try_get_underlying_agent_instance(
        self,
        id: AgentId,
        type: type[AgentT] = Agent,  # type: ignore[assignment]
    ) -> AgentT:
        """The agent object behind ``id`` (created if needed), checked against ``type``."""

    @abstractmethod
    async def get(
        self, id_or_type: AgentId | AgentType | str, /, key: str = "default", *, lazy: bool = True
    ) -> AgentId:
        """The id of an agent of a registered type; ``lazy=False`` creates it now."""

    @abstractmethod
    async def save_state(self) -> Mapping[str, Any]:
        """JSON-compatible state of the runtime and its agents."""

    @abstractmethod
    async def load_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`save_state` returned (agent types must be registered)."""

    @abstractmethod
    async def agent_metadata(self, agent: AgentId) -> AgentMetadata:
        """Type, key and description of one agent."""

    @abstractmethod
    async def agent_save_state(self, agent: AgentId) -> Mapping[str, Any]:
        """State of one agent."""

    @abstractmethod
    async def agent_load_state(self, agent: AgentId, state: Mapping[str, Any]) -> None:
        """Restore the state of one agent."""

    @abstractmethod
    async def add_subscription(self, subscription: Subscription) -> None:
        """Start delivering matching publishes; a duplicate is refused."""

    @abstractmethod
    async def remove_subscription(self, id: str) -> None:
        """Stop delivering for the subscription with this id."""

    @abstractmethod
    def add_message_serializer(
        self,
        serializer: MessageSerializer[Any]
        | type[Any]
        | Iterable[MessageSerializer[Any] | type[Any]],
    ) -> None:
        """Register serializers (or message classes to build them for)."""
