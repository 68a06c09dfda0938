"""Offline prompt-token estimates for Claude (no tokenizer, no network).

Anthropic publishes no offline tokenizer (its exact count is the ``count_tokens``
endpoint, a network call), so this counts UTF-8 bytes instead: about 3.5 bytes per
token, close for code, 10-20% high for English prose and within roughly 30% for most
other text.  It errs high on purpose, so ``remaining_tokens`` does not promise room
that is not there.  Each message adds 4 tokens of framing; each image the 1,600 tokens
of an image at the largest size the API keeps without downscaling; tools add their
JSON schema plus the ~350-token tool-use preamble the API inserts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from retinue.models import (
    AssistantMessage,
    FunctionExecutionResultMessage,
    Image,
    LLMMessage,
    SystemMessage,
    UserMessage,
)
from retinue.tools import Tool, ToolSchema

from ._messages import tool_schema

__all__ = ["estimate_tokens"]

_BYTES_PER_TOKEN = 3.5
_PER_MESSAGE = 4
_PER_IMAGE = 1600
_TOOL_PREAMBLE = 350
_PER_TOOL = 8


def _text_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / _BYTES_PER_TOKEN)


def _message_tokens(message: LLMMessage) -> int:
    tokens = _PER_MESSAGE
    if isinstance(message, SystemMessage):
        tokens += _text_tokens(message.content)
    elif isinstance(message, UserMessage):
        parts = [message.content] if isinstance(message.content, str) else message.content
        tokens += sum(_PER_IMAGE if isinstance(p, Image) else _text_tokens(p) for p in parts)
    elif isinstance(message, AssistantMessage):
        if isinstance(message.content, str):
            tokens += _text_tokens(message.content)
        else:
            tokens += sum(
                _text_tokens(c.name) + _text_tokens(c.arguments) + _PER_MESSAGE
                for c in message.content
            )
        tokens += _text_tokens(message.thought or "")
    elif isinstance(message, FunctionExecutionResultMessage):
        tokens += sum(_text_tokens(r.content) + _PER_MESSAGE for r in message.content)
    return tokens


def estimate_tokens(messages: Sequence[LLMMessage], tools: Sequence[Tool | ToolSchema]) -> int:
    """Estimated prompt tokens of ``messages`` plus ``tools`` (see the module docs for accuracy)."""
    total = sum(_message_tokens(m) for m in messages)
    if tools:
        total += _TOOL_PREAMBLE
        total += sum(_text_tokens(json.dumps(tool_schema(t))) + _PER_TOOL for t in tools)
    return total
