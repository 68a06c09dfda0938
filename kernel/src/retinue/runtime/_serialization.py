"""Message serialization: how messages and replies cross a process boundary.

In-process delivery hands Python objects over as they are; serialization is used by
the gRPC runtime and by ``InProcessRuntime(serialize_messages=True)``, which checks
that every message would survive the wire.  Type names are qualified
(``module.QualName``), so two classes with the same name in different modules do not
collide.  Pydantic models and dataclasses register themselves the first time they are
serialized; a payload whose type is not registered decodes to :class:`UnknownPayload`.

A built-in serializer can carry another wire name (``type_name=``), for a peer that
names types differently (AutoGen uses the bare class name): once registered, messages
of that class are sent under that name, and payloads under either name decode.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .._errors import SerializationError

__all__ = [
    "JSON_DATA_CONTENT_TYPE",
    "DataclassJsonMessageSerializer",
    "JsonValueSerializer",
    "MessageSerializer",
    "PydanticJsonMessageSerializer",
    "SerializationRegistry",
    "UnknownPayload",
    "qualified_type_name",
    "try_get_known_serializers_for_type",
]

logger = logging.getLogger(__name__)

JSON_DATA_CONTENT_TYPE = "application/json"
T = TypeVar("T")


def qualified_type_name(cls: type[Any]) -> str:
    """The wire name of a message class: ``module.QualName``.

    A parametrized pydantic generic is named after its origin and arguments
    (``retinue.chat._messages.StructuredMessage[app.models.Weather]``), so it gets the
    same name whichever module parametrized it.
    """
    metadata = getattr(cls, "__pydantic_generic_metadata__", None)
    if metadata and metadata.get("origin") is not None:
        args = ", ".join(
            qualified_type_name(arg) if isinstance(arg, type) else repr(arg)
            for arg in metadata["args"]
        )
        return f"{qualified_type_name(metadata['origin'])}[{args}]"
    return f"{cls.__module__}.{cls.__qualname__}"


class MessageSerializer(ABC, Generic[T]):
    """Turns messages of one type into bytes and back."""

    @property
    @abstractmethod
    def data_content_type(self) -> str: ...

    @property
    @abstractmethod
    def type_name(self) -> str: ...

    @abstractmethod
    def serialize(self, message: T) -> bytes: ...

    @abstractmethod
    def deserialize(self, payload: bytes) -> T: ...


class _TypeAdapterSerializer(MessageSerializer[T]):
    def __init__(self, cls: type[T], *, type_name: str | None = None) -> None:
        self._cls = cls
        self._type_name = _wire_name(cls, type_name)
        self._adapter: TypeAdapter[T] = _adapter_for(cls)

    @property
    def message_class(self) -> type[T]:
        """The class this serializer encodes (sent under :attr:`type_name` once registered)."""
        return self._cls

    @property
    def data_content_type(self) -> str:
        return JSON_DATA_CONTENT_TYPE

    @property
    def type_name(self) -> str:
        return self._type_name

    def serialize(self, message: T) -> bytes:
        if not isinstance(message, self._cls):
            raise SerializationError(
                f"the serializer for {self._type_name} cannot serialize a "
                f"{qualified_type_name(type(message))}"
            )
        try:
            return self._adapter.dump_json(message)
        except Exception as exc:  # pydantic raises several types for unserializable fields
            raise SerializationError(
                f"cannot serialize {self._type_name}: {exc}; make every field JSON-compatible "
                "(or a pydantic model / dataclass)"
            ) from exc

    def deserialize(self, payload: bytes) -> T:
        try:
            return self._adapter.validate_json(payload)
        except ValidationError as exc:
            raise SerializationError(f"invalid payload for {self._type_name}: {exc}") from exc


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}
_ADAPTERS_LIMIT = 1024


def _adapter_for(cls: type[T]) -> TypeAdapter[T]:
    # Building an adapter generates the class's whole pydantic schema (about 1.5 ms for
    # a small dataclass), and every agent registration, so every team run, builds
    # serializers for its message classes: build each class's adapter once per process.
    # Bounded, because the cache keeps its classes alive.
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = TypeAdapter(cls)
        if len(_ADAPTERS) >= _ADAPTERS_LIMIT:
            _ADAPTERS.clear()
        _ADAPTERS[cls] = adapter
    return adapter


class PydanticJsonMessageSerializer(_TypeAdapterSerializer[T]):
    """JSON for a pydantic model class.

    ``type_name`` replaces the wire name (default ``module.QualName``), e.g. the bare
    class name an AutoGen peer uses:
    ``runtime.add_message_serializer(PydanticJsonMessageSerializer(Weather, type_name="Weather"))``.
    """


class DataclassJsonMessageSerializer(_TypeAdapterSerializer[T]):
    """JSON for a dataclass (nested models, dataclasses and unions included).

    ``type_name`` replaces the wire name, as for :class:`PydanticJsonMessageSerializer`.
    """


class JsonValueSerializer(MessageSerializer[Any]):
    """JSON for plain values: ``str``, ``int``, ``float``, ``bool``, ``None``, lists, dicts.

    ``type_name`` replaces the wire name, as for :class:`PydanticJsonMessageSerializer`.
    """

    def __init__(self, cls: type[Any], *, type_name: str | None = None) -> None:
        self._cls = cls
        self._type_name = _wire_name(cls, type_name)

    @property
    def message_class(self) -> type[Any]:
        """The class this serializer encodes (sent under :attr:`type_name` once registered)."""
        return self._cls

    @property
    def data_content_type(self) -> str:
        return JSON_DATA_CONTENT_TYPE

    @property
    def type_name(self) -> str:
        return self._type_name

    def serialize(self, message: Any) -> bytes:
        try:
            return json.dumps(message, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise SerializationError(
                f"cannot serialize this {self._type_name} as JSON: {exc}"
            ) from exc

    def deserialize(self, payload: bytes) -> Any:
        try:
            value = json.loads(payload)
        except ValueError as exc:
            raise SerializationError(f"invalid JSON payload for {self._type_name}: {exc}") from exc
        if not isinstance(value, self._cls):
            raise SerializationError(
                f"payload declared as {self._type_name} decoded to {type(value).__name__}"
            )
        return value


def _wire_name(cls: type[Any], type_name: str | None) -> str:
    if type_name is None:
        return qualified_type_name(cls)
    if not isinstance(type_name, str) or not type_name.strip():
        raise SerializationError(
            f"the wire type name for {qualified_type_name(cls)} must be a non-empty string, "
            f"got {type_name!r:.100}; pass e.g. type_name={cls.__name__!r}"
        )
    return type_name


_JSON_VALUE_TYPES: tuple[type[Any], ...] = (str, int, float, bool, type(None), list, dict)


@dataclass(frozen=True)
class UnknownPayload:
    """A payload whose type has no registered serializer; delivered instead of dropping it."""

    type_name: str
    data_content_type: str
    payload: bytes


def try_get_known_serializers_for_type(cls: type[Any]) -> list[MessageSerializer[Any]]:
    """The serializers retinue can build for ``cls`` (empty if it knows none)."""
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return [PydanticJsonMessageSerializer(cls)]
    if dataclasses.is_dataclass(cls) and isinstance(cls, type):
        return [DataclassJsonMessageSerializer(cls)]
    if cls in _JSON_VALUE_TYPES:
        return [JsonValueSerializer(cls)]
    return []


class SerializationRegistry:
    """Serializers by ``(type name, content type)``; one per runtime."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[str, str], MessageSerializer[Any]] = {}
        self._by_class: dict[type[Any], str] = {}
        # Plain JSON values decode even before this side has sent one (a str reply).
        for cls in _JSON_VALUE_TYPES:
            self.add_type(cls)

    def add_serializer(
        self, serializer: MessageSerializer[Any] | Iterable[MessageSerializer[Any]]
    ) -> None:
        """Register one serializer or several.

        A built-in serializer (one with a ``message_class``) also names its class on the
        wire from then on; payloads under the class's earlier name still decode.
        """
        items = [serializer] if isinstance(serializer, MessageSerializer) else list(serializer)
        for item in items:
            self._serializers[(item.type_name, item.data_content_type)] = item
            cls = getattr(item, "message_class", None)
            if isinstance(cls, type):
                self._by_class[cls] = item.type_name

    def add_type(self, cls: type[Any]) -> None:
        """Register the serializers retinue knows for ``cls``; refuse a type it cannot encode."""
        if cls in self._by_class:
            return
        serializers = try_get_known_serializers_for_type(cls)
        if not serializers:
            raise SerializationError(
                f"no serializer for {qualified_type_name(cls)}: use a pydantic model, a "
                "dataclass or a JSON value, or add a MessageSerializer for it"
            )
        self.add_serializer(serializers)
        self._by_class[cls] = serializers[0].type_name

    def is_registered(
        self, type_name: str, data_content_type: str = JSON_DATA_CONTENT_TYPE
    ) -> bool:
        return (type_name, data_content_type) in self._serializers

    def type_name(self, message: Any) -> str:
        """The wire type name of ``message`` (registering its class if it can be encoded)."""
        cls = type(message)
        name = self._by_class.get(cls)
        if name is None:
            self.add_type(cls)
            name = self._by_class[cls]
        return name

    def serialize(
        self, message: Any, *, data_content_type: str = JSON_DATA_CONTENT_TYPE
    ) -> tuple[str, bytes]:
        """Encode ``message``; returns ``(type name, payload)``."""
        type_name = self.type_name(message)
        serializer = self._serializers.get((type_name, data_content_type))
        if serializer is None:
            raise SerializationError(
                f"no {data_content_type} serializer for {type_name}; add one with "
                "add_message_serializer()"
            )
        return type_name, serializer.serialize(message)

    def deserialize(
        self, payload: bytes, *, type_name: str, data_content_type: str = JSON_DATA_CONTENT_TYPE
    ) -> Any:
        """Decode a payload; an unregistered type gives an :class:`UnknownPayload` and a warning."""
        serializer = self._serializers.get((type_name, data_content_type))
        if serializer is None:
            logger.warning(
                "received a %s payload of unregistered type %s; delivering it as UnknownPayload",
                data_content_type,
                type_name,
            )
            return UnknownPayload(type_name, data_content_type, payload)
        return serializer.deserialize(payload)

    def round_trip(self, message: Any) -> Any:
        """Encode and decode ``message``, as a process boundary would."""
        type_name, payload = self.serialize(message)
        return self.deserialize(payload, type_name=type_name)
