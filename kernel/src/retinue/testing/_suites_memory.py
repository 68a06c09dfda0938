"""``MemoryConformance``: what every memory must do.

A plugin that provides a memory (kind ``memory``) subclasses the suite and provides
a ``memory`` fixture, a fresh and empty memory::

    from retinue.testing import MemoryConformance

    class TestMyMemory(MemoryConformance):
        @pytest.fixture
        def memory(self):
            return MyMemory(collection="test")

The suite adds ``contents`` to the memory and asks it about ``query``, which must
recall ``contents[0]``.  Override both when the memory needs other items (for
example a JSON memory); the defaults are two short text facts and the first fact's
own wording.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..cancellation import CancellationToken
from ..chat import (
    ChatCompletionContext,
    Memory,
    MemoryContent,
    MemoryQueryResult,
    UnboundedChatCompletionContext,
    UpdateContextResult,
)
from ..components import load_component
from ..models import UserMessage
from ._suites_common import ConformanceBase, missing_fixture

__all__ = ["MemoryConformance"]


def _text(message: Any) -> str:
    content = getattr(message, "content", "")
    return content if isinstance(content, str) else str(content)


class MemoryConformance(ConformanceBase):
    """Checks a :class:`~retinue.chat.Memory`: add and query, ``update_context``,
    ``clear``, ``close`` and specs."""

    @pytest.fixture
    def memory(self) -> Memory:
        return missing_fixture(  # type: ignore[no-any-return]
            "MemoryConformance", "memory", "a fresh, empty memory"
        )

    @pytest.fixture
    def contents(self) -> list[MemoryContent]:
        """The items the suite adds, oldest first."""
        return [
            MemoryContent(content="The user prefers metric units.", mime_type="text/plain"),
            MemoryContent(content="The user lives in Lisbon.", mime_type="text/plain"),
        ]

    @pytest.fixture
    def query(self, contents: list[MemoryContent]) -> str:
        """A query that must recall ``contents[0]``."""
        return str(contents[0].content)

    async def _fill(self, memory: Memory, contents: list[MemoryContent]) -> None:
        for item in contents:
            await memory.add(item, CancellationToken())

    async def _context_asking(self, query: str) -> ChatCompletionContext:
        context = UnboundedChatCompletionContext()
        await context.add_message(UserMessage(content=query, source="user"))
        return context

    async def test_a_fresh_memory_recalls_nothing(self, memory: Memory, query: str) -> None:
        result = await memory.query(query)
        assert isinstance(result, MemoryQueryResult), (
            f"query() must return a MemoryQueryResult, got {type(result).__name__}"
        )
        assert result.results == [], (
            f"the memory fixture must be empty, but query() found {result.results!r:.300}"
        )

    async def test_recalls_what_was_added(
        self, memory: Memory, contents: list[MemoryContent], query: str
    ) -> None:
        await self._fill(memory, contents)
        result = await memory.query(query, CancellationToken())
        assert isinstance(result, MemoryQueryResult)
        wrong = [item for item in result.results if not isinstance(item, MemoryContent)]
        assert not wrong, f"query() results must be MemoryContent, got {wrong!r:.300}"
        recalled = [item.content for item in result.results]
        assert contents[0].content in recalled, (
            f"query({query!r:.100}) must recall {contents[0].content!r:.100} after it was "
            f"added; it returned {recalled!r:.300}"
        )
        by_content = await memory.query(contents[0])
        assert contents[0].content in [item.content for item in by_content.results], (
            "query() must also accept a MemoryContent as the query"
        )

    async def test_update_context_shows_the_model_what_it_recalled(
        self, memory: Memory, contents: list[MemoryContent], query: str
    ) -> None:
        await self._fill(memory, contents)
        context = await self._context_asking(query)
        before = await context.get_messages()
        update = await memory.update_context(context)
        assert isinstance(update, UpdateContextResult), (
            f"update_context() must return an UpdateContextResult, got {type(update).__name__}"
        )
        recalled = [item.content for item in update.memories.results]
        assert contents[0].content in recalled, (
            f"update_context() must recall {contents[0].content!r:.100} for a context asking "
            f"{query!r:.100}; it returned {recalled!r:.300}"
        )
        after = await context.get_messages()
        added = " ".join(_text(message) for message in after[len(before) :])
        assert after[: len(before)] == before, "update_context() must keep the existing messages"
        assert str(contents[0].content) in added, (
            "update_context() must add what it recalled to the context, so the model sees it; "
            f"it added {added!r:.300}"
        )

    async def test_update_context_of_an_empty_memory_adds_nothing(
        self, memory: Memory, query: str
    ) -> None:
        context = await self._context_asking(query)
        before = await context.get_messages()
        update = await memory.update_context(context)
        assert update.memories.results == [], "an empty memory must recall nothing"
        assert await context.get_messages() == before, (
            "an empty memory must leave the context as it was"
        )

    async def test_clear_forgets_everything(
        self, memory: Memory, contents: list[MemoryContent], query: str
    ) -> None:
        await self._fill(memory, contents)
        await memory.clear()
        assert (await memory.query(query)).results == [], "after clear() query() must find nothing"
        context = await self._context_asking(query)
        before = await context.get_messages()
        await memory.update_context(context)
        assert await context.get_messages() == before, (
            "after clear() update_context() must add nothing"
        )

    async def test_close_can_be_called_twice(self, memory: Memory) -> None:
        await memory.close()
        await memory.close()

    def test_dump_and_load_round_trip(self, memory: Memory, component_registry: Any) -> None:
        spec = memory.dump_component()
        assert spec.kind == "memory", f"kind must be 'memory', got {spec.kind!r}"
        loaded = load_component(spec, Memory, registry=component_registry)
        assert type(loaded) is type(memory)
        assert loaded.dump_component() == spec, "dump(load(dump(x))) must equal dump(x)"
