"""Offline token estimates (no tokenizer, no download).

OpenAI's tokenizers (tiktoken) fetch their vocabularies over the network on first
use, which a client must not depend on.  The estimate instead counts UTF-8 bytes:
about 3.5 bytes per token, which is close for code, 10-20% high for English prose,
and within roughly 30% for most other text.  It deliberately errs high so that
``remaining_tokens`` does not promise room that is not there.  Each message adds 4
tokens of framing, each image a flat 765 (a 512x512 high-detail tile's price), each
tool its JSON schema's estimate plus 8.
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

__all__ = ["estimate_tokens"]

_BYTES_PER_TOKEN = 3.5
_PER_MESSAGE = 4
_PER_IMAGE = 765
_PER_TOOL = 8
_REPLY_PRIMING = 3


def _text_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / _BYTES_PER_TOKEN)


def _message_tokens(message: LLMMessage) -> int:
    tokens = _PER_MESSAGE
    if isinstance(message, SystemMessage):
        tokens += _text_tokens(message.content)
    elif isinstance(message, UserMessage):
        parts = [message.content] if isinstance(message.content, str) else message.content
        for part in parts:
            tokens += _PER_IMAGE if isinstance(part, Image) else _text_tokens(part)
        tokens += _text_tokens(message.source)
    elif isinstance(message, AssistantMessage):
        if isinstance(message.content, str):
            tokens += _text_tokens(message.content)
        else:
            for call in message.content:
                tokens += _text_tokens(call.name) + _text_tokens(call.arguments) + _PER_MESSAGE
        if message.thought:
            tokens += _text_tokens(message.thought)
    elif isinstance(message, FunctionExecutionResultMessage):
        for result in message.content:
            tokens += _text_tokens(result.content) + _PER_MESSAGE
    return tokens


def estimate_tokens(messages: Sequence[LLMMessage], tools: Sequence[Tool | ToolSchema]) -> int:
    """Estimated prompt tokens of ``messages`` plus ``tools`` (see the module docs for accuracy)."""
    total = sum(_message_tokens(m) for m in messages) + _REPLY_PRIMING
    for tool in tools:
        schema = tool.schema if isinstance(tool, Tool) else tool
        total += _text_tokens(json.dumps(schema)) + _PER_TOOL
    return total
