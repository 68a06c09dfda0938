"""Identities: which agent a message goes to, which topic it is published on."""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass

from .._errors import ConfigurationError

__all__ = ["AgentId", "AgentMetadata", "AgentType", "TopicId"]

_AGENT_TYPE_RE = re.compile(r"^[\w\-\.]+\Z")
_TOPIC_TYPE_RE = re.compile(r"^[\w\-\.\:\=]+\Z")


def validate_agent_type(value: str) -> str:
    """Return ``value`` if it is a valid agent type, else raise ``ConfigurationError``."""
    if not isinstance(value, str) or _AGENT_TYPE_RE.match(value) is None:
        raise ConfigurationError(
            f"invalid agent type {value!r}: use only letters, digits, '_', '-' and '.'"
        )
    return value


class AgentId:
    """The address of one agent instance: its registered ``type`` and a ``key``.

    Prints as ``"type/key"``; :meth:`from_str` parses that form back.  Instances are
    immutable and hashable (the runtime keys its mailboxes by them).
    """

    __slots__ = ("_hash", "_key", "_type")

    def __init__(self, type: str | AgentType, key: str) -> None:
        if isinstance(type, AgentType):
            type = type.type
        validate_agent_type(type)
        if not isinstance(key, str):
            raise ConfigurationError(f"agent key must be a string, got {key!r}")
        self._type = type
        self._key = key
        self._hash = hash((type, key))

    @classmethod
    def from_str(cls, agent_id: str) -> AgentId:
        """Parse ``"type/key"``."""
        type_, sep, key = agent_id.partition("/")
        if not sep:
            raise ConfigurationError(f"invalid agent id {agent_id!r}: expected the form 'type/key'")
        return cls(type_, key)

    @property
    def type(self) -> str:
        return self._type

    @property
    def key(self) -> str:
        return self._key

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, AgentId):
            return NotImplemented
        return self._type == other._type and self._key == other._key

    def __str__(self) -> str:
        return f"{self._type}/{self._key}"

    def __repr__(self) -> str:
        return f"AgentId(type={self._type!r}, key={self._key!r})"

    def __reduce__(self) -> tuple[builtins.type[AgentId], tuple[str, str]]:
        return (AgentId, (self._type, self._key))


class TopicId:
    """A topic: a ``type`` (what the messages are about) and a ``source`` (whose they are).

    Prints as ``"type/source"``.  Immutable and hashable.
    """

    __slots__ = ("_hash", "_source", "_type")

    def __init__(self, type: str, source: str) -> None:
        if not isinstance(type, str) or _TOPIC_TYPE_RE.match(type) is None:
            raise ConfigurationError(
                f"invalid topic type {type!r}: use only letters, digits and '_-.:='"
            )
        if not isinstance(source, str):
            raise ConfigurationError(f"topic source must be a string, got {source!r}")
        self._type = type
        self._source = source
        self._hash = hash((type, source))

    @classmethod
    def from_str(cls, topic_id: str) -> TopicId:
        """Parse ``"type/source"``."""
        type_, sep, source = topic_id.partition("/")
        if not sep:
            raise ConfigurationError(
                f"invalid topic id {topic_id!r}: expected the form 'type/source'"
            )
        return TopicId(type_, source)

    @property
    def type(self) -> str:
        return self._type

    @property
    def source(self) -> str:
        return self._source

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TopicId):
            return NotImplemented
        return self._type == other._type and self._source == other._source

    def __str__(self) -> str:
        return f"{self._type}/{self._source}"

    def __repr__(self) -> str:
        return f"TopicId(type={self._type!r}, source={self._source!r})"

    def __reduce__(self) -> tuple[builtins.type[TopicId], tuple[str, str]]:
        return (TopicId, (self._type, self._source))


@dataclass(frozen=True, slots=True)
class AgentType:
    """A registered agent type (what ``register`` returns)."""

    type: str


@dataclass(frozen=True, slots=True)
class AgentMetadata:
    """What the runtime knows about an agent: its type, key and description."""

    type: str
    key: str
    description: str
