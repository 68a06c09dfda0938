"""Which agents and subscriptions the in-process runtime knows, and creating agents lazily.

:class:`AgentDirectory` is the bottom layer of
:class:`~retinue.runtime.InProcessRuntime`: agent types and their factories,
instances created so far (one per ``AgentId``, each with its :class:`Mailbox`),
subscriptions, and the per-topic recipient cache publishing reads.  It knows
nothing of delivery; the layers above hand it ids and get agents and mailboxes back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .._errors import (
    AgentCreationError,
    AgentNotFoundError,
    ConfigurationError,
    RetinueError,
)
from .._spans import get_runtime_tracer, start_span
from ._agent import Agent, call_factory
from ._context import instantiation_context
from ._ids import AgentId, AgentMetadata, AgentType, TopicId
from ._mailbox import Mailbox
from ._runtime import AgentRuntime
from ._subscriptions import Subscription
from ._tracing import creation_attributes

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

__all__ = ["AgentDirectory"]

logger = logging.getLogger(__name__)

AgentT = TypeVar("AgentT", bound=Agent)


class AgentDirectory(AgentRuntime):
    """Agent types, agent instances, their mailboxes and the subscriptions (a runtime layer)."""

    def __init__(self, *, tracer_provider: TracerProvider | None, tracing: bool) -> None:
        self._factories: dict[str, tuple[Callable[[], Any] | None, type[Any] | None]] = {}
        self._instances: dict[AgentId, Agent] = {}
        self._creating: dict[AgentId, asyncio.Future[Agent]] = {}
        self._mailboxes: dict[AgentId, Mailbox] = {}
        self._subscriptions: dict[str, Subscription] = {}
        # Per topic, the mailboxes of its subscribers (cleared when subscriptions change).
        self._recipients: dict[TopicId, tuple[Mailbox, ...]] = {}
        self._tracer_provider = tracer_provider
        self._tracing = tracing

    # ------------------------------------------------------------------ agent types

    async def register_factory(
        self,
        type: str | AgentType,
        agent_factory: Callable[[], AgentT | Awaitable[AgentT]],
        *,
        expected_class: type[AgentT] | None = None,
    ) -> AgentType:
        """Register ``agent_factory`` for agents of ``type``."""
        name = type.type if isinstance(type, AgentType) else type
        AgentId(name, "default")  # validates the type name
        if name in self._factories:
            raise ConfigurationError(
                f"agent type {name!r} is already registered; use another type name"
            )
        if not callable(agent_factory):
            raise ConfigurationError(
                f"the factory for agent type {name!r} must be callable, got {agent_factory!r}"
            )
        self._factories[name] = (agent_factory, expected_class)
        self._recipients.clear()
        return AgentType(name)

    async def register_agent_instance(self, agent_instance: Agent, agent_id: AgentId) -> AgentId:
        """Register ``agent_instance`` as ``agent_id`` (several keys of one type are fine)."""
        entry = self._factories.get(agent_id.type)
        if entry is not None and entry[0] is not None:
            raise ConfigurationError(
                f"agent type {agent_id.type!r} already has a factory; register the instance "
                "under another type"
            )
        if agent_id in self._instances:
            raise ConfigurationError(f"an agent instance is already registered as {agent_id}")
        await agent_instance.bind_id_and_runtime(agent_id, self)
        self._factories[agent_id.type] = (None, None)
        self._instances[agent_id] = agent_instance
        mailbox = self._mailbox(agent_id)
        mailbox.concurrent = bool(getattr(agent_instance, "concurrent", False))
        self._recipients.clear()
        return agent_id

    def _is_registered(self, agent_id: AgentId) -> bool:
        """Whether a message to ``agent_id`` has an agent to go to (now or once created)."""
        entry = self._factories.get(agent_id.type)
        return entry is not None and (entry[0] is not None or agent_id in self._instances)

    def _require_type(self, agent_id: AgentId) -> None:
        if agent_id.type not in self._factories:
            raise AgentNotFoundError(self._not_found_message(agent_id))

    def _not_found_message(self, agent_id: AgentId) -> str:
        entry = self._factories.get(agent_id.type)
        if entry is not None:
            keys = sorted(a.key for a in self._instances if a.type == agent_id.type)
            return (
                f"recipient not found: agent type {agent_id.type!r} has only registered "
                f"instances {keys}, none with key {agent_id.key!r}"
            )
        known = ", ".join(sorted(self._factories)) or "none"
        return (
            f"recipient not found: no agent type {agent_id.type!r} is registered "
            f"(registered: {known}); register it with Agent.register(runtime, "
            f"{agent_id.type!r}, factory) first"
        )

    # ------------------------------------------------------------------ agents

    async def try_get_underlying_agent_instance(
        self,
        id: AgentId,
        type: type[AgentT] = Agent,  # type: ignore[assignment]
    ) -> AgentT:
        """The agent object behind ``id`` (created if needed), checked against ``type``."""
        agent = await self._existing_type_agent(id)
        if not isinstance(agent, type):
            raise ConfigurationError(
                f"agent {id} is a {agent.__class__.__name__}, not a {type.__name__}"
            )
        return agent

    async def get(
        self, id_or_type: AgentId | AgentType | str, /, key: str = "default", *, lazy: bool = True
    ) -> AgentId:
        """The id of an agent of a registered type; ``lazy=False`` creates it now."""
        if isinstance(id_or_type, AgentId):
            agent_id = id_or_type
        elif isinstance(id_or_type, AgentType):
            agent_id = AgentId(id_or_type.type, key)
        else:
            agent_id = AgentId(id_or_type, key)
        self._require_type(agent_id)
        if not lazy:
            await self._get_agent(agent_id)
        return agent_id

    async def agent_metadata(self, agent: AgentId) -> AgentMetadata:
        return (await self._existing_type_agent(agent)).metadata

    async def _existing_type_agent(self, agent_id: AgentId) -> Agent:
        self._require_type(agent_id)
        return await self._get_agent(agent_id)

    async def _get_agent(self, agent_id: AgentId) -> Agent:
        agent = self._instances.get(agent_id)
        if agent is not None:
            return agent
        pending = self._creating.get(agent_id)
        if pending is not None:
            return await asyncio.shield(pending)
        entry = self._factories.get(agent_id.type)
        if entry is None or entry[0] is None:
            raise AgentNotFoundError(self._not_found_message(agent_id))
        factory, expected_class = entry[0], entry[1]
        creating: asyncio.Future[Agent] = asyncio.get_running_loop().create_future()
        self._creating[agent_id] = creating
        try:
            agent = await self._create_agent(agent_id, factory, expected_class)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                # The creator's task was cancelled, not the tasks waiting for the agent:
                # they get an error of their own instead of a cancellation.
                creating.set_exception(
                    AgentCreationError(
                        f"creating agent {agent_id} was interrupted: the task running its "
                        "factory was cancelled; send the message again to create it anew"
                    )
                )
            else:
                creating.set_exception(exc)
            creating.exception()  # retrieved here, so no "never retrieved" warning
            raise
        finally:
            del self._creating[agent_id]
        self._instances[agent_id] = agent
        mailbox = self._mailbox(agent_id)
        mailbox.concurrent = bool(getattr(agent, "concurrent", False))
        creating.set_result(agent)
        return agent

    async def _create_agent(
        self, agent_id: AgentId, factory: Callable[[], Any], expected_class: type[Any] | None
    ) -> Agent:
        tracer = get_runtime_tracer(self._tracer_provider) if self._tracing else None
        reset = instantiation_context.set((self, agent_id))
        try:
            with start_span(
                tracer,
                f"create {agent_id}",
                kind="internal",
                attributes=creation_attributes(agent_id),
            ):
                agent = await call_factory(factory)
        except RetinueError as exc:
            if isinstance(exc, AgentCreationError):
                raise
            raise AgentCreationError(
                f"creating agent {agent_id} failed: its factory raised {type(exc).__name__}: {exc}"
            ) from exc
        except Exception as exc:
            raise AgentCreationError(
                f"creating agent {agent_id} failed: its factory raised "
                f"{type(exc).__name__}: {exc}; fix the factory registered for "
                f"type {agent_id.type!r}"
            ) from exc
        finally:
            instantiation_context.reset(reset)
        if expected_class is not None and not isinstance(agent, expected_class):
            raise AgentCreationError(
                f"the factory for agent type {agent_id.type!r} returned a "
                f"{type(agent).__name__}, expected a {expected_class.__name__}"
            )
        if not callable(getattr(agent, "on_message", None)):
            raise AgentCreationError(
                f"the factory for agent type {agent_id.type!r} returned {agent!r}, "
                "which is not an agent (no on_message)"
            )
        await agent.bind_id_and_runtime(agent_id, self)
        return agent  # type: ignore[no-any-return]

    def _mailbox(self, agent_id: AgentId) -> Mailbox:
        mailbox = self._mailboxes.get(agent_id)
        if mailbox is None:
            mailbox = self._mailboxes[agent_id] = Mailbox(agent_id)
        return mailbox

    # ------------------------------------------------------------------ subscriptions

    async def add_subscription(self, subscription: Subscription) -> None:
        """Deliver matching publishes to ``subscription``'s agents from now on."""
        if not isinstance(subscription, Subscription):
            raise ConfigurationError(f"expected a Subscription, got {type(subscription).__name__}")
        if self._has_subscription(subscription):
            raise ConfigurationError(f"subscription {subscription!r} already exists")
        self._subscriptions[subscription.id] = subscription
        self._recipients.clear()

    async def remove_subscription(self, id: str) -> None:
        """Stop delivering for the subscription ``id``."""
        if self._subscriptions.pop(id, None) is None:
            raise ConfigurationError(
                f"no subscription with id {id!r}; known ids: {sorted(self._subscriptions)}"
            )
        self._recipients.clear()

    def _has_subscription(self, subscription: Subscription) -> bool:
        """Whether ``subscription`` (by id, or an equal one) is already in place."""
        return subscription.id in self._subscriptions or any(
            subscription == existing for existing in self._subscriptions.values()
        )

    def _resolve_recipients(self, topic_id: TopicId) -> tuple[Mailbox, ...]:
        recipients: list[AgentId] = []
        for subscription in self._subscriptions.values():
            if not subscription.is_match(topic_id):
                continue
            agent_id = subscription.map_to_agent(topic_id)
            if not self._is_registered(agent_id):
                logger.warning(
                    "subscription %r matches topic %s but agent %s is not registered; skipped",
                    subscription,
                    topic_id,
                    agent_id,
                )
                continue
            if agent_id not in recipients:
                recipients.append(agent_id)
        result = tuple(self._mailbox(agent_id) for agent_id in recipients)
        self._recipients[topic_id] = result
        return result
