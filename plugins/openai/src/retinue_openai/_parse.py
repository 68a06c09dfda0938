"""Turn OpenAI chat-completions answers (whole or streamed) into retinue results."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from retinue.models import FinishReason, FunctionCall, RequestUsage

__all__ = [
    "StreamAssembler",
    "finish_reason",
    "function_calls",
    "reasoning_text",
    "refusal_text",
    "split_thought",
    "usage_of",
]

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


def refusal_text(message: Any) -> str | None:
    """The ``refusal`` of a message or delta: why the model declined, or None."""
    value = _get(message, "refusal")
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
    """FunctionCalls from ``tool_calls``; arguments stay the raw text the model wrote.

    A call's ``extra_content`` (Gemini's ``{"google": {"thought_signature": ...}}``)
    becomes its ``provider_data``, to be sent back with it.
    """
    calls = []
    for call in tool_calls or []:
        extra = _get(call, "extra_content")
        calls.append(
            FunctionCall(
                # Some compatible servers omit ids; the agent needs one to match the result.
                id=_get(call, "id") or f"call_{uuid.uuid4().hex[:24]}",
                name=_get(_get(call, "function"), "name") or "",
                arguments=_get(_get(call, "function"), "arguments") or "",
                provider_data=dict(extra) if isinstance(extra, dict) and extra else None,
            )
        )
    return calls


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: str = ""
    extra_content: dict[str, Any] = field(default_factory=dict)


@dataclass
class StreamAssembler:
    """Accumulates ``chat.completion.chunk`` deltas into one answer.

    OpenAI keys tool-call fragments by ``index``; a new ``id`` at a used index starts
    another call.  Gemini sends fragments without an ``index``, with or without the
    call's id repeated: a fragment naming a known id continues that call, one carrying
    a name (and no known id) starts a call, and a nameless one continues the last call.
    """

    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)
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
            refused = refusal_text(delta)
            if refused:
                # A refusal streams instead of content; the caller sees it as it comes.
                self.refusal.append(refused)
                delta_text = (delta_text or "") + refused
            for fragment in _get(delta, "tool_calls") or []:
                self._add_call_fragment(fragment)
            if _get(choice, "finish_reason"):
                self.finish = _get(choice, "finish_reason")
        return delta_text

    def _add_call_fragment(self, fragment: Any) -> None:
        index = _get(fragment, "index")
        fragment_id = _get(fragment, "id") or ""
        function = _get(fragment, "function")
        name = _get(function, "name") or ""
        if index is not None:
            call = self.by_index.get(index)
            if call is None or (fragment_id and call.id and fragment_id != call.id):
                call = self._start_call()
                self.by_index[index] = call
            call.name += name
        else:
            call = self._unindexed_call(fragment_id, name)
        if fragment_id:
            call.id = fragment_id
        call.arguments += _get(function, "arguments") or ""
        extra = _get(fragment, "extra_content")
        if isinstance(extra, dict):
            call.extra_content.update(extra)

    def _unindexed_call(self, fragment_id: str, name: str) -> _PartialCall:
        known = [c for c in self.calls if fragment_id and c.id == fragment_id]
        if known:
            call = known[-1]
        elif name or not self.calls:
            call = self._start_call()
        else:
            call = self.calls[-1]
        # Without an index a repeated name is the same name again, not more of it.
        call.name = call.name or name
        return call

    def _start_call(self) -> _PartialCall:
        call = _PartialCall()
        self.calls.append(call)
        return call

    def function_calls(self) -> list[FunctionCall]:
        return function_calls(
            [
                {
                    "id": c.id,
                    "function": {"name": c.name, "arguments": c.arguments},
                    "extra_content": c.extra_content,
                }
                for c in self.calls
            ]
        )
