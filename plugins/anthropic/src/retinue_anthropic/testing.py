"""Anthropic Messages API answers for :class:`retinue.testing.wire.WireServer`.

Build real Messages API JSON bodies, SSE event sequences and error bodies, serve them
from a wire server on 127.0.0.1, and point any Anthropic client at ``server.base_url``::

    from retinue.testing.wire import WireServer
    from retinue_anthropic.testing import messages_response, messages_stream, text, tool_use

    with WireServer() as server:
        server.enqueue(messages_response([text("Hello!")]))
        server.enqueue(messages_stream([tool_use("get_weather", {"city": "Paris"})],
                                       stop_reason="tool_use"))
        client = AnthropicChatCompletionClient("claude-sonnet-5", api_key="test",
                                               base_url=server.base_url)
        ...
        assert server.requests[0].path == "/v1/messages"
        assert server.requests[0].json["messages"][0]["role"] == "user"

The builders use only the standard library and the kernel's wire server, so other
plugins and third parties can use them without this client.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from retinue.testing.wire import JSONResponse, SSEEvent, SSEResponse

__all__ = [
    "error_body",
    "error_event",
    "error_response",
    "message_body",
    "messages_response",
    "messages_stream",
    "text",
    "thinking",
    "tool_use",
]

_ids = itertools.count(1)

_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def text(value: str) -> dict[str, Any]:
    """A ``text`` content block."""
    return {"type": "text", "text": value}


def thinking(value: str, signature: str = "c2lnbmF0dXJl") -> dict[str, Any]:
    """A ``thinking`` content block (extended thinking) with its signature."""
    return {"type": "thinking", "thinking": value, "signature": signature}


def tool_use(
    name: str,
    input: Mapping[str, Any] | None = None,
    *,
    id: str | None = None,
    raw_json: str | None = None,
) -> dict[str, Any]:
    """A ``tool_use`` content block.

    ``raw_json`` replaces the JSON text a stream sends for the input, to script a
    model that produces malformed or truncated arguments (streams only).
    """
    block: dict[str, Any] = {
        "type": "tool_use",
        "id": id or f"toolu_{next(_ids):04d}",
        "name": name,
        "input": dict(input or {}),
    }
    if raw_json is not None:
        block["_raw_json"] = raw_json
    return block


def _usage(
    input_tokens: int, output_tokens: int, cache_creation: int, cache_read: int
) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": cache_creation,
        "cache_read_input_tokens": cache_read,
    }


def _blocks(content: str | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [text(content)] if isinstance(content, str) else [dict(b) for b in content]


def message_body(
    content: str | Sequence[Mapping[str, Any]] = "Hello!",
    *,
    model: str = "claude-sonnet-5",
    stop_reason: str | None = "end_turn",
    input_tokens: int = 10,
    output_tokens: int = 5,
    cache_creation_input_tokens: int = 0,
    cache_read_input_tokens: int = 0,
) -> dict[str, Any]:
    """The JSON of a complete ``message`` object (what ``POST /v1/messages`` returns)."""
    blocks = [{k: v for k, v in b.items() if k != "_raw_json"} for b in _blocks(content)]
    return {
        "id": f"msg_{next(_ids):04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": _usage(
            input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens
        ),
    }


def messages_response(
    content: str | Sequence[Mapping[str, Any]] = "Hello!", **fields: Any
) -> JSONResponse:
    """A scripted non-streaming answer; ``fields`` as for :func:`message_body`."""
    return JSONResponse(message_body(content, **fields), headers={"request-id": "req_test"})


def _chunks(value: str, size: int) -> list[str]:
    return [value[i : i + size] for i in range(0, len(value), size)] or [""]


def messages_stream(
    content: str | Sequence[Mapping[str, Any]] = "Hello!",
    *,
    model: str = "claude-sonnet-5",
    stop_reason: str | None = "end_turn",
    input_tokens: int = 10,
    output_tokens: int = 5,
    cache_creation_input_tokens: int = 0,
    cache_read_input_tokens: int = 0,
    chunk_size: int = 4,
    close_after: int | None = None,
    delay: float = 0.0,
) -> SSEResponse:
    """A scripted streaming answer: the SSE events the API sends for ``content``.

    ``message_start`` (with the input usage), a ``ping``, then per block
    ``content_block_start``, deltas of ``chunk_size`` characters (``text_delta``,
    ``thinking_delta`` + ``signature_delta``, ``input_json_delta``) and
    ``content_block_stop``; finally ``message_delta`` (stop reason, output usage) and
    ``message_stop``.  ``close_after`` cuts the connection after that many events;
    ``delay`` waits before each event.
    """
    body = message_body(
        content,
        model=model,
        stop_reason=None,
        input_tokens=input_tokens,
        output_tokens=1,
        cache_creation_input_tokens=cache_creation_input_tokens,
        cache_read_input_tokens=cache_read_input_tokens,
    )
    start = {**body, "content": []}
    events = [SSEEvent({"type": "message_start", "message": start}, "message_start", delay)]
    events.append(SSEEvent({"type": "ping"}, "ping", delay))
    for index, block in enumerate(_blocks(content)):
        events += _block_events(index, block, chunk_size, delay)
    events.append(
        SSEEvent(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
            "message_delta",
            delay,
        )
    )
    events.append(SSEEvent({"type": "message_stop"}, "message_stop", delay))
    return SSEResponse(events, headers={"request-id": "req_test"}, close_after=close_after)


def _block_events(index: int, block: dict[str, Any], size: int, delay: float) -> list[SSEEvent]:
    kind = block["type"]
    start: dict[str, Any]
    if kind == "text":
        start = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": c} for c in _chunks(block["text"], size)]
    elif kind == "thinking":
        start = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [
            {"type": "thinking_delta", "thinking": c} for c in _chunks(block["thinking"], size)
        ]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    elif kind == "tool_use":
        start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
        raw = block.get("_raw_json", json.dumps(block["input"]))
        deltas = [{"type": "input_json_delta", "partial_json": c} for c in _chunks(raw, size)]
    else:
        raise ValueError(f"messages_stream cannot stream a {kind!r} block")
    events = [
        SSEEvent(
            {"type": "content_block_start", "index": index, "content_block": start},
            "content_block_start",
            delay,
        )
    ]
    events += [
        SSEEvent(
            {"type": "content_block_delta", "index": index, "delta": d},
            "content_block_delta",
            delay,
        )
        for d in deltas
    ]
    events.append(
        SSEEvent({"type": "content_block_stop", "index": index}, "content_block_stop", delay)
    )
    return events


def error_body(error_type: str, message: str) -> dict[str, Any]:
    """The API's error JSON: ``{"type": "error", "error": {"type": ..., "message": ...}}``."""
    return {"type": "error", "error": {"type": error_type, "message": message}}


def error_response(
    error_type: str,
    message: str = "scripted error",
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A scripted error answer with the status the API uses for ``error_type``.

    Retryable errors (429, 5xx) get ``retry-after: 0`` unless ``headers`` say otherwise,
    so retries in tests do not wait.
    """
    code = status if status is not None else _ERROR_STATUS.get(error_type, 400)
    base = {"request-id": "req_test"}
    if code == 429 or code >= 500:
        base["retry-after"] = "0"
    return JSONResponse(
        error_body(error_type, message), status=code, headers={**base, **(headers or {})}
    )


def error_event(error_type: str, message: str = "scripted error") -> SSEEvent:
    """An ``error`` event, as the API sends inside a stream (e.g. ``overloaded_error``)."""
    return SSEEvent(error_body(error_type, message), "error")
