"""Build OpenAI chat-completions answers for :class:`retinue.testing.wire.WireServer`.

Everything here produces the JSON shapes OpenAI's API returns, so a real SDK (ours
or a third party's) can be tested against a local server::

    from retinue_openai.testing import OpenAIWireServer, chat_completion, tool_call

    with OpenAIWireServer() as server:
        server.enqueue(chat_completion("Hello!"))
        client = OpenAIChatCompletionClient("gpt-4o", api_key="sk-test", base_url=server.base_url)
        ...
        assert server.last_request.json["model"] == "gpt-4o"

Only the standard library and the kernel's wire server are used; importing this
module does not import ``openai``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from retinue.testing.wire import (
    JSONResponse,
    RecordedRequest,
    Responder,
    SSEEvent,
    SSEResponse,
    WireServer,
)

__all__ = [
    "OpenAIWireServer",
    "always_answer",
    "chat_completion",
    "chat_completion_stream",
    "openai_error",
    "tool_call",
    "usage",
]

_ids = itertools.count(1)


class OpenAIWireServer(WireServer):
    """A :class:`WireServer` whose ``base_url`` ends in ``/v1``, as OpenAI's does.

    Azure-style clients need the root instead: use :attr:`root_url`.
    """

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>`` without the ``/v1`` prefix."""
        return super().base_url

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1"


def tool_call(name: str, arguments: Any, id: str | None = None) -> dict[str, Any]:
    """One tool call; ``arguments`` that is not a string is JSON-encoded."""
    return {
        "id": id or f"call_{next(_ids)}",
        "type": "function",
        "function": {
            "name": name,
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        },
    }


def usage(
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
    *,
    cached_tokens: int = 0,
    reasoning_tokens: int = 0,
) -> dict[str, Any]:
    """A ``usage`` object with its details parts."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
    }


def chat_completion(
    content: str | None = None,
    *,
    tool_calls: Sequence[dict[str, Any]] = (),
    finish_reason: str | None = None,
    model: str = "gpt-4o",
    usage: dict[str, Any] | None = None,
    reasoning_content: str | None = None,
    refusal: str | None = None,
) -> JSONResponse:
    """A ``chat.completion`` answer; ``finish_reason`` defaults to ``tool_calls`` or ``stop``."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal}
    if tool_calls:
        message["tool_calls"] = list(tool_calls)
    if reasoning_content is not None:
        message["reasoning_content"] = reasoning_content
    body = {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
            }
        ],
        "usage": usage if usage is not None else _default_usage(),
    }
    return JSONResponse(body)


def _default_usage() -> dict[str, Any]:
    return usage()


def _chunk(
    chunk_id: str, model: str, delta: dict[str, Any] | None, finish: str | None
) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": choices,
    }


def chat_completion_stream(
    text_chunks: Sequence[str] = (),
    *,
    tool_calls: Sequence[dict[str, Any]] = (),
    finish_reason: str | None = None,
    model: str = "gpt-4o",
    usage: dict[str, Any] | None = None,
    include_usage: bool = True,
    reasoning_chunks: Sequence[str] = (),
    arguments_split: int = 2,
    close_after: int | None = None,
    delay: float = 0.0,
    done: bool = True,
) -> SSEResponse:
    """A streamed answer as ``chat.completion.chunk`` events.

    Text arrives in ``text_chunks``; each tool call arrives as OpenAI sends it: a first
    delta with id and name, then its arguments in ``arguments_split`` pieces, all
    keyed by the call's ``index``.  With ``include_usage`` the stream ends with the
    empty-choices usage chunk that ``stream_options.include_usage`` asks for, then
    ``[DONE]``.  ``close_after`` cuts the connection after that many events;
    ``delay`` waits before every event.
    """
    chunk_id = f"chatcmpl-{next(_ids)}"
    events: list[Any] = [_chunk(chunk_id, model, {"role": "assistant", "content": ""}, None)]
    events += [_chunk(chunk_id, model, {"reasoning_content": r}, None) for r in reasoning_chunks]
    events += [_chunk(chunk_id, model, {"content": text}, None) for text in text_chunks]
    for index, call in enumerate(tool_calls):
        head = {
            "index": index,
            "id": call["id"],
            "type": "function",
            "function": {"name": call["function"]["name"], "arguments": ""},
        }
        events.append(_chunk(chunk_id, model, {"tool_calls": [head]}, None))
        arguments = call["function"]["arguments"]
        size = max(1, -(-len(arguments) // max(1, arguments_split)))
        for start in range(0, len(arguments), size):
            piece = {"index": index, "function": {"arguments": arguments[start : start + size]}}
            events.append(_chunk(chunk_id, model, {"tool_calls": [piece]}, None))
    finish = finish_reason or ("tool_calls" if tool_calls else "stop")
    events.append(_chunk(chunk_id, model, {}, finish))
    if include_usage:
        final = _chunk(chunk_id, model, None, None)
        final["usage"] = usage if usage is not None else _default_usage()
        events.append(final)
    if done:
        events.append("[DONE]")
    return SSEResponse([SSEEvent(e, delay=delay) for e in events], close_after=close_after)


def openai_error(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An error answer in OpenAI's format (``{"error": {message, type, param, code}}``).

    For retries pass e.g. ``openai_error(429, "Rate limit", headers={"retry-after": "0"})``.
    """
    body = {"error": {"message": message, "type": type, "param": None, "code": code}}
    return JSONResponse(body, status=status, headers=headers or {})


def always_answer(text: str, *, model: str = "gpt-4o") -> Responder:
    """A ``fallback`` for the server that answers every request with ``text``.

    Streams are answered with a stream and other requests with a ``chat.completion``,
    so ``OpenAIWireServer(fallback=always_answer("hello"))`` serves any number of calls.
    """

    def respond(request: RecordedRequest) -> JSONResponse | SSEResponse:
        body = request.json if isinstance(request.json, dict) else {}
        if body.get("stream"):
            return chat_completion_stream([text], model=model)
        return chat_completion(text, model=model)

    return respond
