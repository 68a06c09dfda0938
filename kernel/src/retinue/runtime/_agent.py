"""``BaseAgent``, the base class most agents derive from.

``Agent`` and ``MessageContext`` are defined with ``AgentRuntime`` (``_runtime``) and
handed on from here.
"""

from __future__ import annotations

import builtins
import contextlib
import inspect
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, TypeVar, final

from .._errors import ConfigurationError
from ..cancellation import CancellationToken
from ._context import instantiation_context
from ._ids import AgentId, AgentMetadata, AgentType, TopicId
from ._runtime import Agent, AgentRuntime, MessageContext
from ._serialization import try_get_known_serializers_for_type
from ._subscriptions import TypePrefixSubscription, TypeSubscription

__all__ = ["Agent", "BaseAgent", "MessageContext"]

AgentT = TypeVar("AgentT", bound="BaseAgent")


class BaseAgent(ABC):
    """Base class for agents: identity, runtime helpers, registration and state hooks.

    Subclasses implement :meth:`on_message_impl` (or derive from
    :class:`~retinue.runtime.RoutedAgent`, which dispatches by message type).
    Set the class attribute ``concurrent = True`` to let the runtime run several
    handlers of one instance at the same time (see the concurrency model in the docs).
    """

    concurrent: ClassVar[bool] = False

    def __init__(self, description: str = "") -> None:
        if not isinstance(description, str):
            raise ConfigurationError(f"agent description must be a string, got {description!r}")
        self._description = description
        self._id: AgentId | None = None
        self._runtime: AgentRuntime | None = None
        bound = instantiation_context.get()
        if bound is not None:
            self._runtime, self._id = bound

    @property
    def id(self) -> AgentId:
        if self._id is None:
            raise ConfigurationError(
                f"{type(self).__name__} has no id yet: create it through a factory registered "
                "with the runtime, or register the instance with register_instance()"
            )
        return self._id

    @property
    def type(self) -> str:
        return self.id.type

    @property
    def runtime(self) -> AgentRuntime:
        if self._runtime is None:
            raise ConfigurationError(
                f"{type(self).__name__} is not bound to a runtime; register it first"
            )
        return self._runtime

    @property
    def metadata(self) -> AgentMetadata:
        return AgentMetadata(type=self.id.type, key=self.id.key, description=self._description)

    async def bind_id_and_runtime(self, id: AgentId, runtime: AgentRuntime) -> None:
        """Bind this instance to its id and runtime (done by the runtime)."""
        if self._id is not None and (self._id != id or self._runtime is not runtime):
            raise ConfigurationError(
                f"agent {type(self).__name__} is already bound to {self._id}; "
                f"it cannot also be {id}"
            )
        self._id = id
        self._runtime = runtime

    @final
    async def on_message(self, message: Any, ctx: MessageContext) -> Any:
        """Handle one message (the runtime calls this); override :meth:`on_message_impl`."""
        return await self.on_message_impl(message, ctx)

    @abstractmethod
    async def on_message_impl(self, message: Any, ctx: MessageContext) -> Any:
        """Handle one message; the return value is the reply to an RPC."""

    async def send_message(
        self,
        message: Any,
        recipient: AgentId,
        *,
        cancellation_token: CancellationToken | None = None,
        message_id: str | None = None,
    ) -> Any:
        """Send ``message`` to ``recipient`` as this agent and return its reply."""
        return await self.runtime.send_message(
            message,
            recipient,
            sender=self.id,
            cancellation_token=cancellation_token,
            message_id=message_id,
        )

    async def publish_message(
        self,
        message: Any,
        topic_id: TopicId,
        *,
        cancellation_token: CancellationToken | None = None,
        message_id: str | None = None,
    ) -> None:
        """Publish ``message`` on ``topic_id`` as this agent (it is not delivered back to us)."""
        await self.runtime.publish_message(
            message,
            topic_id,
            sender=self.id,
            cancellation_token=cancellation_token,
            message_id=message_id,
        )

    async def save_state(self) -> Mapping[str, Any]:
        """JSON-compatible state; the default agent is stateless."""
        return {}

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`save_state` returned."""
        return None

    async def close(self) -> None:
        """Release resources when the runtime closes."""
        return None

    @classmethod
    async def register(
        cls: builtins.type[AgentT],
        runtime: AgentRuntime,
        type: str,
        factory: Callable[[], AgentT | Awaitable[AgentT]],
        *,
        skip_class_subscriptions: bool = False,
        skip_direct_message_subscription: bool = False,
    ) -> AgentType:
        """Register ``factory`` for agent ``type`` on ``runtime``, with this class's subscriptions.

        Adds the subscriptions declared with ``@default_subscription`` /
        ``@type_subscription`` and the direct-message channel
        ``TypePrefixSubscription(f"{type}:", type)``, and registers serializers for the
        message types this class handles.
        """
        agent_type = await runtime.register_factory(type, factory, expected_class=cls)
        if not skip_class_subscriptions:
            for make in getattr(cls, "_retinue_class_subscriptions", ()):
                await runtime.add_subscription(make(agent_type.type))
        if not skip_direct_message_subscription:
            await runtime.add_subscription(TypePrefixSubscription(f"{type}:", type))
        runtime.add_message_serializer(_encodable(cls._handled_message_types()))
        return agent_type

    async def register_instance(
        self,
        runtime: AgentRuntime,
        agent_id: AgentId,
        *,
        skip_class_subscriptions: bool = True,
        skip_direct_message_subscription: bool = False,
    ) -> AgentId:
        """Register this very instance as ``agent_id`` (its key gets its own type subscription)."""
        await runtime.register_agent_instance(self, agent_id)
        if not skip_class_subscriptions:
            for make in getattr(type(self), "_retinue_class_subscriptions", ()):
                await runtime.add_subscription(make(agent_id.type))
        if not skip_direct_message_subscription:
            # An earlier instance of this type may have added the channel already.
            with contextlib.suppress(ConfigurationError):
                await runtime.add_subscription(
                    TypePrefixSubscription(f"{agent_id.type}:", agent_id.type)
                )
            await runtime.add_subscription(TypeSubscription(agent_id.key, agent_id.type))
        runtime.add_message_serializer(_encodable(type(self)._handled_message_types()))
        return agent_id

    @classmethod
    def _handled_message_types(cls) -> list[builtins.type[Any]]:
        """Message classes this agent class declares it handles (for serializers)."""
        return []


def _encodable(message_types: list[builtins.type[Any]]) -> list[builtins.type[Any]]:
    # Types without a known wire format still work in-process; they only fail if a
    # message of theirs has to cross a process boundary.
    return [t for t in message_types if try_get_known_serializers_for_type(t)]


async def call_factory(factory: Callable[[], Any]) -> Any:
    """Call a sync or async agent factory."""
    agent = factory()
    if inspect.isawaitable(agent):
        agent = await agent
    return agent
