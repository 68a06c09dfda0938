"""Turn OpenAI chat-completions answers (whole or streamed) into retinue results."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from retinue.models import FinishReason, FunctionCall, RequestUsage

__all__ = ["StreamAssembler", "finish_reason", "split_thought", "usage_of"]

_FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "function_calls",
    "function_call": "function_calls",
    "content_filter": "content_filter",
}

# Reasoning text some models write inline: R1-style <think>, Gemini's <thought>.
_INLINE_THOUGHT = re.compile(r"^\s*<(think|thought)>(.*?)</\1>\s*", re.DOTALL)


def finish_reason(raw: str | None, has_tool_calls: bool) -> FinishReason:
    """Map the provider's finish reason; tool calls win (Gemini reports them as ``stop``)."""
    if has_tool_calls:
        return "function_calls"
    return _FINISH_REASONS.get(raw or "", "unknown")


def split_thought(content: str, reasoning: str | None) -> tuple[str, str | None]:
    """Separate reasoning from the answer: a ``reasoning_content`` field or a leading tag."""
    match = _INLINE_THOUGHT.match(content)
    if match:
        inline = match.group(2).strip()
        reasoning = f"{reasoning}\n{inline}" if reasoning else inline
        content = content[match.end() :]
    return content, reasoning or None


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    value = getattr(obj, name, None)
    if value is None:
        # Fields OpenAI does not define (reasoning_content) land in pydantic's extras.
        extra = getattr(obj, "model_extra", None) or {}
        value = extra.get(name)
    return value


def reasoning_text(message: Any) -> str | None:
    """The ``reasoning_content`` (DeepSeek, vLLM) or ``reasoning`` field of a message/delta."""
    value = _get(message, "reasoning_content") or _get(message, "reasoning")
    return value if isinstance(value, str) and value else None


def usage_of(usage: Any) -> RequestUsage:
    """Token counts from an OpenAI ``usage`` object (missing parts count as 0)."""
    if usage is None:
        return RequestUsage()
    return RequestUsage(
        prompt_tokens=_get(usage, "prompt_tokens") or 0,
        completion_tokens=_get(usage, "completion_tokens") or 0,
        cached_prompt_tokens=_get(_get(usage, "prompt_tokens_details"), "cached_tokens") or 0,
        reasoning_tokens=_get(_get(usage, "completion_tokens_details"), "reasoning_tokens") or 0,
    )


def function_calls(tool_calls: Any) -> list[FunctionCall]:
    """FunctionCalls from ``tool_calls``; arguments stay the raw text the model wrote."""
    return [
        FunctionCall(
            # Some compatible servers omit ids; the agent needs one to match the result.
            id=_get(call, "id") or f"call_{uuid.uuid4().hex[:24]}",
            name=_get(_get(call, "function"), "name") or "",
            arguments=_get(_get(call, "function"), "arguments") or "",
        )
        for call in tool_calls or []
    ]


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass
class StreamAssembler:
    """Accumulates ``chat.completion.chunk`` deltas into one answer.

    Tool calls arrive as fragments keyed by ``index``; a fragment with a new ``id`` at a
    used index, or with no index at all (Gemini), starts another call.
    """

    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: list[_PartialCall] = field(default_factory=list)
    by_index: dict[int, _PartialCall] = field(default_factory=dict)
    finish: str | None = None
    usage: Any = None

    def add(self, chunk: Any) -> str | None:
        """Take one chunk; returns its text delta (if any) for the caller to yield."""
        if _get(chunk, "usage") is not None:
            self.usage = _get(chunk, "usage")
        delta_text = None
        for choice in _get(chunk, "choices") or []:
            if (_get(choice, "index") or 0) != 0:
                continue
            delta = _get(choice, "delta")
            thought = reasoning_text(delta)
            if thought:
                self.reasoning.append(thought)
            content = _get(delta, "content")
            if content:
                self.text.append(content)
                delta_text = content
            for fragment in _get(delta, "tool_calls") or []:
                self._add_call_fragment(fragment)
            if _get(choice, "finish_reason"):
                self.finish = _get(choice, "finish_reason")
        return delta_text

    def _add_call_fragment(self, fragment: Any) -> None:
        index = _get(fragment, "index")
        fragment_id = _get(fragment, "id")
        call = self.by_index.get(index) if index is not None else None
        if call is None or (fragment_id and call.id and fragment_id != call.id):
            call = _PartialCall()
            self.calls.append(call)
            if index is not None:
                self.by_index[index] = call
        function = _get(fragment, "function")
        if fragment_id:
            call.id = fragment_id
        call.name += _get(function, "name") or ""
        call.arguments += _get(function, "arguments") or ""

    def function_calls(self) -> list[FunctionCall]:
        return function_calls(
            [
                {"id": c.id, "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.calls
            ]
        )
