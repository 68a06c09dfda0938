"""Gemini's variants of the OpenAI wire shapes, for tests against a local server.

Use with :class:`retinue_openai.testing.OpenAIWireServer` (pass ``server.base_url``
as the client's ``base_url``); these builders reproduce where Gemini's
OpenAI-compatible endpoint differs from OpenAI's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from retinue.testing.wire import JSONResponse, SSEResponse

__all__ = ["gemini_error", "gemini_stream_with_tool_calls"]

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def gemini_error(
    status: int, message: str, *, reason: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error as Gemini's endpoint sends it: a one-item list around ``{"error": {...}}``.

    A bad key is ``gemini_error(400, "API key not valid...", reason="API_KEY_INVALID")``.
    """
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": _STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]
    return JSONResponse([{"error": error}], status=status, headers=headers or {})


def gemini_stream_with_tool_calls(
    calls: Sequence[tuple[str, dict[str, Any]]],
    *,
    text: str | None = None,
    model: str = "gemini-2.5-flash",
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
) -> SSEResponse:
    """A stream the way Gemini sends tool calls: whole calls in one chunk, no ``index``,
    finish reason ``stop``, and the usage on that same last chunk."""
    delta: dict[str, Any] = {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for name, args in calls
        ],
    }
    if text is not None:
        delta["content"] = text
    chunk = {
        "id": "gemini-1",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return SSEResponse([chunk, "[DONE]"])
