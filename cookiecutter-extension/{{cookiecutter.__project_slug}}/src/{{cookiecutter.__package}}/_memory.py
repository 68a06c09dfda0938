"""A memory that recalls the items sharing the most words with the question.

Replace ``_ranked`` with your own retrieval (a vector store, a search service);
``update_context`` and the rest of the contract stay the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field
from retinue import CancellationToken, ConfigurationError
from retinue.chat import (
    ChatCompletionContext,
    Memory,
    MemoryContent,
    MemoryQueryResult,
    UpdateContextResult,
)
from retinue.models import SystemMessage, UserMessage

__all__ = ["{{ cookiecutter.__class_prefix }}KeywordMemory", "{{ cookiecutter.__class_prefix }}KeywordMemoryConfig"]

_WORD = re.compile(r"\w+")


def _words(value: object) -> set[str]:
    return {word.lower() for word in _WORD.findall(str(value))}


class {{ cookiecutter.__class_prefix }}KeywordMemoryConfig(BaseModel):
    """Configuration of :class:`{{ cookiecutter.__class_prefix }}KeywordMemory`."""

    name: str = "{{ cookiecutter.plugin_name | replace('-', '_') }}_memory"
    max_results: int = Field(default=5, gt=0)
    memory_contents: list[MemoryContent] = Field(default_factory=list)


class {{ cookiecutter.__class_prefix }}KeywordMemory(Memory):
    """Recalls up to ``max_results`` items that share words with the query, best first.

    Before each model call ``update_context`` asks with the newest user message and
    adds what it recalled as one system message.
    """

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = {{ cookiecutter.__class_prefix }}KeywordMemoryConfig

    def __init__(
        self,
        name: str = {{ cookiecutter.__class_prefix }}KeywordMemoryConfig().name,
        max_results: int = 5,
        memory_contents: Sequence[MemoryContent] | None = None,
    ) -> None:
        if not isinstance(max_results, int) or max_results <= 0:
            raise ConfigurationError(f"max_results must be a positive integer, got {max_results!r}")
        self._name = name
        self._max_results = max_results
        self._contents = list(memory_contents or [])

    @property
    def name(self) -> str:
        """The memory's name."""
        return self._name

    def _ranked(self, question: object) -> list[MemoryContent]:
        wanted = _words(question)
        scored = [(len(wanted & _words(item.content)), item) for item in self._contents]
        # sorted() is stable: among items sharing as many words, the oldest comes first.
        best = sorted((pair for pair in scored if pair[0] > 0), key=lambda pair: -pair[0])
        return [item for _, item in best[: self._max_results]]

    async def query(
        self, query: str | MemoryContent, cancellation_token: CancellationToken | None = None
    ) -> MemoryQueryResult:
        question = query.content if isinstance(query, MemoryContent) else query
        return MemoryQueryResult(results=self._ranked(question))

    async def update_context(self, model_context: ChatCompletionContext) -> UpdateContextResult:
        messages = await model_context.get_messages()
        asked = [m.content for m in messages if isinstance(m, UserMessage)]
        recalled = self._ranked(asked[-1]) if asked else []
        if recalled:
            lines = "\n".join(f"- {item.content}" for item in recalled)
            await model_context.add_message(SystemMessage(content=f"Relevant memories:\n{lines}"))
        return UpdateContextResult(memories=MemoryQueryResult(results=recalled))

    async def add(
        self, content: MemoryContent, cancellation_token: CancellationToken | None = None
    ) -> None:
        self._contents.append(content)

    async def clear(self) -> None:
        self._contents = []

    def _to_config(self) -> {{ cookiecutter.__class_prefix }}KeywordMemoryConfig:
        return {{ cookiecutter.__class_prefix }}KeywordMemoryConfig(
            name=self._name, max_results=self._max_results, memory_contents=self._contents
        )

    @classmethod
    def _from_config(
        cls, config: {{ cookiecutter.__class_prefix }}KeywordMemoryConfig
    ) -> {{ cookiecutter.__class_prefix }}KeywordMemory:
        return cls(config.name, config.max_results, config.memory_contents)
