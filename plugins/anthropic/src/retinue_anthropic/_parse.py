"""Messages API answers (a whole message or its event stream) as retinue results."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from retinue.models import CreateResult, FinishReason, FunctionCall, RequestUsage, ThinkingBlock

__all__ = [
    "REFUSAL_WITHOUT_TEXT",
    "MalformedAnswer",
    "MessageAssembler",
    "finish_reason",
    "to_create_result",
    "usage_of",
]

REFUSAL_WITHOUT_TEXT = "The model declined to answer (stop_reason 'refusal')."
"""The refusal text of a ``refusal`` stop that came with no text of its own."""

_STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "function_calls",
    "refusal": "content_filter",
}


class MalformedAnswer(Exception):
    """The answer cannot be understood; the client turns it into a ModelResponseError."""

    def __init__(self, what: str, todo: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.todo = todo


def finish_reason(stop_reason: str | None, has_calls: bool) -> FinishReason:
    """retinue's finish reason for an Anthropic ``stop_reason``."""
    if has_calls:
        return "function_calls"
    return _STOP_REASONS.get(stop_reason or "", "unknown")


def usage_of(usage: dict[str, Any] | None) -> RequestUsage:
    """Prompt tokens include cache writes and reads; cache reads are also reported apart."""
    usage = usage or {}
    cache_write = usage.get("cache_creation_input_tokens") or 0
    cache_read = usage.get("cache_read_input_tokens") or 0
    return RequestUsage(
        prompt_tokens=(usage.get("input_tokens") or 0) + cache_write + cache_read,
        completion_tokens=usage.get("output_tokens") or 0,
        cached_prompt_tokens=cache_read,
    )


def to_create_result(message: dict[str, Any], structured_tool: str | None) -> CreateResult:
    """A complete ``message`` object as a :class:`CreateResult`.

    ``structured_tool`` names the synthetic tool used for structured output: its input
    becomes the JSON text content.
    """
    text: list[str] = []
    thinking: list[str] = []
    signed: list[ThinkingBlock] = []
    calls: list[FunctionCall] = []
    structured: str | None = None
    for block in message.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            text.append(block.get("text") or "")
        elif kind == "thinking":
            thinking.append(block.get("thinking") or "")
            signed.append(
                ThinkingBlock(
                    thinking=block.get("thinking") or "", signature=block.get("signature")
                )
            )
        elif kind == "redacted_thinking":
            signed.append(ThinkingBlock(type="redacted_thinking", data=block.get("data")))
        elif kind == "tool_use":
            arguments = block.get("_raw_input")
            if arguments is None:
                arguments = json.dumps(block.get("input") or {})
            if block.get("name") == structured_tool:
                structured = arguments
            else:
                calls.append(FunctionCall(id=block["id"], name=block["name"], arguments=arguments))
    content = "".join(text)
    thought = thinking_text(thinking)
    usage = usage_of(message.get("usage"))
    # Signed thinking goes back unchanged with the reply, or the next request is refused.
    blocks = signed or None
    if calls:
        said = "\n".join(part for part in (thought, content) if part)
        return CreateResult(
            finish_reason="function_calls",
            content=calls,
            usage=usage,
            thought=said or None,
            thinking_blocks=blocks,
        )
    if structured is not None:
        return CreateResult(
            finish_reason="stop",
            content=structured,
            usage=usage,
            thought=thought,
            thinking_blocks=blocks,
        )
    refusal = None
    if message.get("stop_reason") == "refusal":
        # A refusal may come with no text at all; the caller still gets a reason to show.
        content = content or REFUSAL_WITHOUT_TEXT
        refusal = content
    return CreateResult(
        finish_reason=finish_reason(message.get("stop_reason"), False),
        content=content,
        usage=usage,
        thought=thought,
        thinking_blocks=blocks,
        refusal=refusal,
    )


def thinking_text(thinking: list[str]) -> str | None:
    """The ``thought`` made of the readable thinking texts of one reply."""
    return "\n".join(t for t in thinking if t) or None


@dataclass
class MessageAssembler:
    """Builds the message of a streamed answer from its events, as the API defines them.

    ``add`` returns text to hand to the caller right away (text deltas, and the JSON of
    the structured-output tool).  ``finished`` is True once ``message_stop`` arrived.
    """

    structured_tool: str | None = None
    message: dict[str, Any] = field(default_factory=dict)
    finished: bool = False
    _partial_json: dict[int, list[str]] = field(default_factory=dict)

    def add(self, event: dict[str, Any]) -> str | None:
        handler: Callable[[dict[str, Any]], str | None] | None = getattr(
            self, "_on_" + str(event.get("type")), None
        )
        return handler(event) if handler is not None else None  # ping and future events

    def _on_message_start(self, event: dict[str, Any]) -> None:
        self.message = dict(event.get("message") or {})
        self.message["content"] = []

    def _on_content_block_start(self, event: dict[str, Any]) -> None:
        block = dict(event.get("content_block") or {})
        index = int(event.get("index", len(self._blocks())))
        blocks = self._blocks()
        while len(blocks) <= index:
            blocks.append({})
        blocks[index] = block
        if block.get("type") == "tool_use":
            self._partial_json[index] = []

    def _on_content_block_delta(self, event: dict[str, Any]) -> str | None:
        index = int(event.get("index", 0))
        delta = event.get("delta") or {}
        blocks = self._blocks()
        if index >= len(blocks):
            raise MalformedAnswer(f"a content_block_delta refers to block {index}, never started")
        block = blocks[index]
        kind = delta.get("type")
        if kind == "text_delta":
            block["text"] = block.get("text", "") + delta.get("text", "")
            return str(delta.get("text", "")) or None
        if kind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + delta.get("thinking", "")
        elif kind == "signature_delta":
            block["signature"] = delta.get("signature")
        elif kind == "input_json_delta":
            part = str(delta.get("partial_json", ""))
            self._partial_json.setdefault(index, []).append(part)
            if block.get("name") == self.structured_tool:
                return part or None
        return None

    def _on_content_block_stop(self, event: dict[str, Any]) -> None:
        index = int(event.get("index", 0))
        parts = self._partial_json.pop(index, None)
        if parts is None:
            return
        block = self._blocks()[index]
        raw = "".join(parts) or "{}"
        try:
            block["input"] = json.loads(raw)
        except ValueError:
            raise MalformedAnswer(
                f"the model's call of tool {block.get('name')!r} has malformed JSON "
                f"arguments: {raw[:200]!r}",
                todo="retry the call; if the answer was cut off, raise max_tokens",
            ) from None
        block["_raw_input"] = raw

    def _on_message_delta(self, event: dict[str, Any]) -> None:
        delta = event.get("delta") or {}
        if "stop_reason" in delta:
            self.message["stop_reason"] = delta["stop_reason"]
        # message_delta carries cumulative counts; keep message_start's for fields it omits.
        usage = dict(self.message.get("usage") or {})
        usage.update({k: v for k, v in (event.get("usage") or {}).items() if v is not None})
        self.message["usage"] = usage

    def _on_message_stop(self, event: dict[str, Any]) -> None:
        self.finished = True

    def _blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = self.message.setdefault("content", [])
        return blocks

    def result(self) -> CreateResult:
        if not self.finished:
            raise MalformedAnswer(
                "the stream ended before message_stop (truncated response)",
                todo="retry the call; the connection closed before the answer was complete",
            )
        return to_create_result(self.message, self.structured_tool)
