"""The runtime contract: ``AgentRuntime`` (every runtime implements it), the ``Agent`` it
delivers to and the ``MessageContext`` each handler gets.

The three refer to each other, so they live together: kept in separate modules they
would import each other.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from ..cancellation import CancellationToken
from ._ids import AgentId, AgentMetadata, AgentType, TopicId
from ._serialization import MessageSerializer
from ._subscriptions import Subscription

__all__ = ["Agent", "AgentRuntime", "MessageContext"]


@dataclass(slots=True)
class MessageContext:
    """What a handler knows about the message it is handling (treat it as read-only).

    Attributes:
        sender: the sending agent, or ``None`` when sent from outside any agent.
        topic_id: the topic for published messages, ``None`` for direct sends.
        is_rpc: whether the sender awaits a reply (``send_message``).
        cancellation_token: cancelled when the sender gives up; pass it on to long calls.
        message_id: a per-message id, unique within the runtime.
    """

    sender: AgentId | None
    topic_id: TopicId | None
    is_rpc: bool
    cancellation_token: CancellationToken
    message_id: str


@runtime_checkable
class Agent(Protocol):
    """What the runtime needs from an agent."""

    @property
    def id(self) -> AgentId: ...

    @property
    def metadata(self) -> AgentMetadata: ...

    async def bind_id_and_runtime(self, id: AgentId, runtime: AgentRuntime) -> None: ...

    async def on_message(self, message: Any, ctx: MessageContext) -> Any: ...

    async def save_state(self) -> Mapping[str, Any]: ...

    async def load_state(self, state: Mapping[str, Any]) -> None: ...

    async def close(self) -> None: ...


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
