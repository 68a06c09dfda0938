"""``ListMemory``: a memory that recalls everything it was given, in order."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from ..cancellation import CancellationToken
from ..models import SystemMessage
from ._context import (
    ChatCompletionContext,
    Memory,
    MemoryContent,
    MemoryQueryResult,
    UpdateContextResult,
)

__all__ = ["ListMemory", "ListMemoryConfig"]


class ListMemoryConfig(BaseModel):
    """The spec of a :class:`ListMemory`: its name and contents."""

    model_config = ConfigDict(defer_build=True)

    name: str | None = None
    memory_contents: list[MemoryContent] = Field(default_factory=list)


class ListMemory(Memory):
    """Keeps memories in a list and adds all of them to the model context before each call.

    ``update_context`` appends one ``SystemMessage`` listing the memories, numbered in the
    order they were added.  ``query`` returns every memory (no ranking).

    >>> memory = ListMemory(memory_contents=[MemoryContent(content="Use metric units.")])
    """

    component_provider = "list"
    component_config_schema = ListMemoryConfig

    def __init__(
        self, name: str | None = None, memory_contents: Sequence[MemoryContent] | None = None
    ) -> None:
        self._name = name or "default_list_memory"
        self._contents = list(memory_contents or [])

    @property
    def name(self) -> str:
        return self._name

    @property
    def content(self) -> list[MemoryContent]:
        """The memories, oldest first."""
        return list(self._contents)

    async def update_context(self, model_context: ChatCompletionContext) -> UpdateContextResult:
        if not self._contents:
            return UpdateContextResult(memories=MemoryQueryResult())
        lines = [f"{number}. {item.content}" for number, item in enumerate(self._contents, 1)]
        text = "\nRelevant memory content (in chronological order):\n" + "\n".join(lines) + "\n"
        await model_context.add_message(SystemMessage(content=text))
        return UpdateContextResult(memories=MemoryQueryResult(results=list(self._contents)))

    async def query(
        self, query: str | MemoryContent, cancellation_token: CancellationToken | None = None
    ) -> MemoryQueryResult:
        return MemoryQueryResult(results=list(self._contents))

    async def add(
        self, content: MemoryContent, cancellation_token: CancellationToken | None = None
    ) -> None:
        self._contents.append(content)

    async def clear(self) -> None:
        self._contents = []

    def _to_config(self) -> ListMemoryConfig:
        return ListMemoryConfig(name=self._name, memory_contents=self._contents)

    @classmethod
    def _from_config(cls, config: ListMemoryConfig) -> ListMemory:
        return cls(config.name, config.memory_contents)
