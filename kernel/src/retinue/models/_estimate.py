"""``TokenEstimator``: offline prompt-token estimates from UTF-8 byte counts.

Provider tokenizers either download their vocabularies on first use (OpenAI's
tiktoken) or exist only behind an API call (Anthropic's ``count_tokens``), and a
client must not depend on either.  Counting bytes instead is about 3.5 bytes per
token: close for code, 10-20% high for English prose, within roughly 30% for most
other text.  Erring high is deliberate, so ``remaining_tokens`` does not promise
room that is not there.  Each provider declares its framing costs (per message, per
image, per tool, ...) in one ``TokenEstimator`` instance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._types import (
    AssistantMessage,
    FunctionExecutionResultMessage,
    Image,
    LLMMessage,
    SystemMessage,
    UserMessage,
)

if TYPE_CHECKING:
    from ..tools import Tool, ToolSchema

__all__ = ["TokenEstimator"]


@dataclass(frozen=True)
class TokenEstimator:
    """The prompt-token estimate of one provider: byte counts plus framing costs.

    ``bytes_per_token`` divides each text's UTF-8 length (rounded up per text);
    ``per_message`` is added for every message and every tool call or tool result in
    it; ``per_image`` for every image; ``per_tool`` plus the schema's JSON estimate for
    every tool; ``tools_preamble`` once when any tool is passed (the instructions a
    provider inserts for tool use); ``reply_priming`` once per request (the tokens
    that start the answer).  ``count_sources`` counts a user message's ``source``, for
    providers that send it as the message's ``name``.

    >>> TokenEstimator().estimate([UserMessage(content="Hello", source="user")])
    8
    """

    bytes_per_token: float = 3.5
    per_message: int = 4
    per_image: int = 765
    per_tool: int = 8
    tools_preamble: int = 0
    reply_priming: int = 0
    count_sources: bool = True

    def estimate(
        self, messages: Sequence[LLMMessage], tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        """Estimated prompt tokens of ``messages`` plus ``tools``."""
        total = sum(self._message_tokens(m) for m in messages) + self.reply_priming
        if tools:
            total += self.tools_preamble
            total += sum(self.text_tokens(json.dumps(_schema(t))) + self.per_tool for t in tools)
        return total

    def text_tokens(self, text: str) -> int:
        """Estimated tokens of one text."""
        return math.ceil(len(text.encode("utf-8")) / self.bytes_per_token)

    def _message_tokens(self, message: LLMMessage) -> int:
        tokens = self.per_message
        if isinstance(message, SystemMessage):
            tokens += self.text_tokens(message.content)
        elif isinstance(message, UserMessage):
            parts = [message.content] if isinstance(message.content, str) else message.content
            tokens += sum(
                self.per_image if isinstance(p, Image) else self.text_tokens(p) for p in parts
            )
            if self.count_sources:
                tokens += self.text_tokens(message.source)
        elif isinstance(message, AssistantMessage):
            if isinstance(message.content, str):
                tokens += self.text_tokens(message.content)
            else:
                tokens += sum(
                    self.text_tokens(c.name) + self.text_tokens(c.arguments) + self.per_message
                    for c in message.content
                )
            tokens += self.text_tokens(message.thought or "")
        elif isinstance(message, FunctionExecutionResultMessage):
            tokens += sum(self.text_tokens(r.content) + self.per_message for r in message.content)
        return tokens


def _schema(tool: Tool | ToolSchema) -> ToolSchema | Mapping[str, object]:
    # A ToolSchema is a dict; anything else is a Tool (checked without importing tools).
    return tool if isinstance(tool, Mapping) else tool.schema
