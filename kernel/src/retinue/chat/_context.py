"""Model contexts (what an agent shows its model) and memories (what it recalls)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .._errors import StateError
from .._state import state_error
from ..cancellation import CancellationToken
from ..components import Component
from ..models import LLMMessage

__all__ = [
    "ChatCompletionContext",
    "Memory",
    "MemoryContent",
    "MemoryQueryResult",
    "UpdateContextResult",
]

# Deferred like the message models: the validator is built on the first save or load,
# not when the module is imported.
_MESSAGES = TypeAdapter(list[LLMMessage], config=ConfigDict(defer_build=True))


class ChatCompletionContext(Component[Any], ABC):
    """The list of LLM messages an agent keeps, and the view of it its model gets.

    Subclasses decide the view in :meth:`get_messages` (everything, the last N, head
    and tail, a token budget); the stored list is always complete, so state
    round-trips exactly.
    """

    component_kind = "model_context"

    def __init__(self, initial_messages: Sequence[LLMMessage] | None = None) -> None:
        self._messages: list[LLMMessage] = list(initial_messages or [])
        self._initial_messages = list(self._messages)

    async def add_message(self, message: LLMMessage) -> None:
        self._messages.append(message)

    @abstractmethod
    async def get_messages(self) -> list[LLMMessage]:
        """The messages to send to the model."""

    async def clear(self) -> None:
        self._messages = list(self._initial_messages)

    async def save_state(self) -> Mapping[str, Any]:
        return {"messages": _MESSAGES.dump_python(self._messages, mode="json")}

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`save_state`'s output; a malformed state changes nothing.

        Raises:
            StateError: ``state`` is not a mapping or its messages are not LLM messages.
        """
        if not isinstance(state, Mapping):
            raise StateError(
                f"a model context state must be a mapping with 'messages', got "
                f"{type(state).__name__}; pass what save_state() returned"
            )
        try:
            messages = _MESSAGES.validate_python(state.get("messages", []))
        except ValidationError as exc:
            raise state_error("cannot load the model context's messages", exc) from None
        self._messages = messages


class MemoryContent(BaseModel):
    """One item in a memory: text, JSON, or an image, with a MIME type and metadata."""

    model_config = ConfigDict(defer_build=True)

    content: Any
    mime_type: str = "text/plain"
    metadata: dict[str, Any] | None = None


class MemoryQueryResult(BaseModel):
    """The memory items that matched a query."""

    model_config = ConfigDict(defer_build=True)

    results: list[MemoryContent] = Field(default_factory=list)


class UpdateContextResult(BaseModel):
    """What a memory added to a model context."""

    model_config = ConfigDict(defer_build=True)

    memories: MemoryQueryResult


class Memory(Component[Any], ABC):
    """A store an agent consults before each model call."""

    component_kind = "memory"

    @abstractmethod
    async def update_context(self, model_context: ChatCompletionContext) -> UpdateContextResult:
        """Add relevant memories to ``model_context``."""

    @abstractmethod
    async def query(
        self, query: str | MemoryContent, cancellation_token: CancellationToken | None = None
    ) -> MemoryQueryResult: ...

    @abstractmethod
    async def add(
        self, content: MemoryContent, cancellation_token: CancellationToken | None = None
    ) -> None: ...

    @abstractmethod
    async def clear(self) -> None: ...

    async def close(self) -> None:
        return None
