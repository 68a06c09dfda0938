"""Subscriptions: which agents receive the messages published on which topics."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from .._errors import CantHandleError, ConfigurationError
from ._ids import AgentId, TopicId, validate_agent_type

__all__ = [
    "DefaultSubscription",
    "Subscription",
    "TypePrefixSubscription",
    "TypeSubscription",
    "default_subscription",
    "type_subscription",
]

ClassT = TypeVar("ClassT", bound=type)


class Subscription(ABC):
    """Maps topics to the agents that receive messages published on them."""

    @property
    @abstractmethod
    def id(self) -> str:
        """A unique id, used to remove the subscription."""

    @abstractmethod
    def is_match(self, topic_id: TopicId) -> bool:
        """Whether messages on ``topic_id`` go to this subscription's agents."""

    @abstractmethod
    def map_to_agent(self, topic_id: TopicId) -> AgentId:
        """The agent that receives a message on a matching ``topic_id``."""

    @property
    @abstractmethod
    def agent_type(self) -> str:
        """The agent type this subscription delivers to."""


class TypeSubscription(Subscription):
    """Topics of exactly ``topic_type`` go to agent ``agent_type/<topic source>``.

    Two type subscriptions are equal when their ids or their (topic type, agent type)
    pairs are equal; the default id is ``"{topic_type}->{agent_type}"``.
    """

    def __init__(self, topic_type: str, agent_type: str, id: str | None = None) -> None:
        self._topic_type = topic_type
        self._agent_type = validate_agent_type(agent_type)
        # Derived from the pair (which defines equality anyway), so saved state is stable.
        self._id = id or f"{topic_type}->{agent_type}"

    @property
    def id(self) -> str:
        return self._id

    @property
    def topic_type(self) -> str:
        return self._topic_type

    @property
    def agent_type(self) -> str:
        return self._agent_type

    def is_match(self, topic_id: TopicId) -> bool:
        return topic_id.type == self._topic_type

    def map_to_agent(self, topic_id: TopicId) -> AgentId:
        if topic_id.type != self._topic_type:
            raise CantHandleError(f"topic {topic_id} does not match {self!r}")
        return AgentId(self._agent_type, topic_id.source)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TypeSubscription):
            return NotImplemented
        return self._id == other._id or (
            self._topic_type == other._topic_type and self._agent_type == other._agent_type
        )

    def __hash__(self) -> int:
        return hash((self._topic_type, self._agent_type))

    def __repr__(self) -> str:
        return f"TypeSubscription(topic_type={self._topic_type!r}, agent_type={self._agent_type!r})"


class TypePrefixSubscription(Subscription):
    """Topics whose type starts with ``topic_type_prefix`` go to ``agent_type/<topic source>``."""

    def __init__(self, topic_type_prefix: str, agent_type: str, id: str | None = None) -> None:
        self._prefix = topic_type_prefix
        self._agent_type = validate_agent_type(agent_type)
        self._id = id or f"{topic_type_prefix}*->{agent_type}"

    @property
    def id(self) -> str:
        return self._id

    @property
    def topic_type_prefix(self) -> str:
        return self._prefix

    @property
    def agent_type(self) -> str:
        return self._agent_type

    def is_match(self, topic_id: TopicId) -> bool:
        return topic_id.type.startswith(self._prefix)

    def map_to_agent(self, topic_id: TopicId) -> AgentId:
        if not topic_id.type.startswith(self._prefix):
            raise CantHandleError(f"topic {topic_id} does not match {self!r}")
        return AgentId(self._agent_type, topic_id.source)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TypePrefixSubscription):
            return NotImplemented
        return self._id == other._id or (
            self._prefix == other._prefix and self._agent_type == other._agent_type
        )

    def __hash__(self) -> int:
        return hash((self._prefix, self._agent_type))

    def __repr__(self) -> str:
        return (
            f"TypePrefixSubscription(topic_type_prefix={self._prefix!r}, "
            f"agent_type={self._agent_type!r})"
        )


class DefaultSubscription(TypeSubscription):
    """A :class:`TypeSubscription` on the ``"default"`` topic type.

    ``agent_type`` is required when built by hand; the :func:`default_subscription`
    class decorator fills it in with the type the class is registered under.
    """

    def __init__(
        self, topic_type: str = "default", agent_type: str | None = None, id: str | None = None
    ) -> None:
        if agent_type is None:
            raise ConfigurationError(
                "DefaultSubscription needs an agent_type; pass agent_type=... or decorate "
                "the agent class with @default_subscription"
            )
        super().__init__(topic_type, agent_type, id)


SubscriptionFactory = Callable[[str], Subscription]
"""Builds a subscription for the agent type a class is registered under."""


def _add_class_subscription(cls: Any, factory: SubscriptionFactory) -> None:
    # Copy, so a subclass decorated again does not add to its parent's list.
    existing = list(cls.__dict__.get("_retinue_class_subscriptions", ()))
    if not existing:
        existing = list(getattr(cls, "_retinue_class_subscriptions", ()))
    existing.append(factory)
    cls._retinue_class_subscriptions = existing


def default_subscription(cls: ClassT | None = None, *, topic_type: str = "default") -> Any:
    """Class decorator: instances receive messages published on ``topic_type`` (``"default"``).

    >>> @default_subscription
    ... class Listener(RoutedAgent): ...
    """

    def apply(target: ClassT) -> ClassT:
        _add_class_subscription(
            target, lambda agent_type: DefaultSubscription(topic_type, agent_type)
        )
        return target

    return apply(cls) if cls is not None else apply


def type_subscription(topic_type: str) -> Callable[[ClassT], ClassT]:
    """Class decorator: instances receive messages published on topics of ``topic_type``."""

    def apply(target: ClassT) -> ClassT:
        _add_class_subscription(target, lambda agent_type: TypeSubscription(topic_type, agent_type))
        return target

    return apply
