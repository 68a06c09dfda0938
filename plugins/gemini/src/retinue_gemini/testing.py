"""Gemini's OpenAI-compatible endpoint on 127.0.0.1, for tests against a local server.

:class:`GeminiWireServer` serves under ``/v1beta/openai/`` as Google's endpoint does
and validates requests with Gemini's rules on top of OpenAI's
(:func:`validate_gemini_request`), answering a broken one with Gemini's list-wrapped
400 ``INVALID_ARGUMENT``.  The builders reproduce where Gemini's answers differ from
OpenAI's: tool calls with real ids but no ``index``, split across chunks, finish reason
``stop``, and a thought signature in ``extra_content.google`` that Gemini 3 wants back::

    from retinue_gemini.testing import GeminiWireServer, gemini_stream_with_tool_calls

    with GeminiWireServer() as server:
        server.enqueue(gemini_stream_with_tool_calls([("get_weather", {"city": "Paris"})]))
        client = GeminiChatCompletionClient("gemini-3-pro-preview", api_key="test",
                                            base_url=server.base_url)
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Sequence
from typing import Any

from retinue.testing.wire import JSONResponse, Responder, SSEEvent, SSEResponse, Validator
from retinue_openai.testing import (
    OpenAIWireServer,
    chat_request_validator,
    validate_chat_request,
)

__all__ = [
    "SKIP_SIGNATURE",
    "GeminiWireServer",
    "gemini_completion_with_tool_calls",
    "gemini_error",
    "gemini_stream_error",
    "gemini_stream_with_tool_calls",
    "thought_signature",
    "validate_gemini_request",
]

SKIP_SIGNATURE = "skip_thought_signature_validator"
"""The value Google documents for calls whose signature was never received."""

_ids = itertools.count(1)

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def thought_signature(label: str = "thought") -> str:
    """An opaque signature as Gemini issues it; the server accepts only issued ones."""
    digest = hashlib.sha256(b"gemini:" + label.encode()).hexdigest()[:16]
    return base64.b64encode(f"{label}:{digest}".encode()).decode()


def _issued(signature: Any) -> bool:
    if signature == SKIP_SIGNATURE:
        return True
    try:
        label, _, _ = base64.b64decode(str(signature), validate=True).decode().partition(":")
    except ValueError:
        return False
    return signature == thought_signature(label)


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


def gemini_stream_error(status: int, message: str) -> SSEEvent:
    """The event a stream carries when Gemini fails after it started (not list-wrapped)."""
    return SSEEvent(
        {"error": {"code": status, "message": message, "status": _STATUS_NAMES.get(status)}}
    )


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "gemini-stream",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _calls(calls: Sequence[tuple[str, dict[str, Any]]], signed: bool) -> list[dict[str, Any]]:
    made = []
    for position, (name, args) in enumerate(calls):
        call: dict[str, Any] = {
            "id": f"function-call-{next(_ids)}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)},
        }
        if signed and position == 0:
            # Gemini signs the first call of a step; parallel calls after it carry none.
            call["extra_content"] = {"google": {"thought_signature": thought_signature(name)}}
        made.append(call)
    return made


def gemini_completion_with_tool_calls(
    calls: Sequence[tuple[str, dict[str, Any]]],
    *,
    model: str = "gemini-2.5-flash",
    signed: bool = True,
) -> JSONResponse:
    """A whole answer with tool calls as Gemini sends it: finish reason ``stop``, real
    ids, and the first call's thought signature in ``extra_content.google``."""
    message = {"role": "assistant", "content": None, "tool_calls": _calls(calls, signed)}
    return JSONResponse(
        {
            "id": "gemini-completion",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": _usage(10, 5),
        }
    )


def gemini_stream_with_tool_calls(
    calls: Sequence[tuple[str, dict[str, Any]]],
    *,
    text: str | None = None,
    model: str = "gemini-2.5-flash",
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
    pieces: int = 1,
    repeat_id: bool = True,
    signed: bool = True,
    close_after: int | None = None,
) -> SSEResponse:
    """A stream the way Gemini sends tool calls: no ``index``, real ids, finish reason
    ``stop`` and the usage on the last chunk.

    Each call's arguments arrive in ``pieces`` chunks; the first carries the name (and
    the first call its thought signature), later ones only arguments, with the call's
    id again when ``repeat_id``.  ``close_after`` cuts the connection after that many
    events.
    """
    events: list[Any] = []
    if text is not None:
        events.append(_chunk(model, {"role": "assistant", "content": text}, None))
    for call in _calls(calls, signed):
        arguments = call["function"]["arguments"]
        size = max(1, -(-len(arguments) // max(1, pieces)))
        parts = [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]
        for position, part in enumerate(parts):
            fragment: dict[str, Any] = {"type": "function", "function": {"arguments": part}}
            if position == 0:
                fragment = {
                    **call,
                    "function": {"name": call["function"]["name"], "arguments": part},
                }
            elif repeat_id:
                fragment["id"] = call["id"]
            events.append(_chunk(model, {"role": "assistant", "tool_calls": [fragment]}, None))
    last = _chunk(model, {"role": "assistant"}, "stop")
    last["usage"] = _usage(prompt_tokens, completion_tokens)
    events += [last, "[DONE]"]
    return SSEResponse(events, close_after=close_after)


# -- request validation ----------------------------------------------------------------


def validate_gemini_request(body: Any) -> str | None:
    """Gemini's complaint about a chat-completions body, or None when it is valid.

    OpenAI's rules (:func:`retinue_openai.testing.validate_chat_request`), plus
    Gemini's: messages carry no ``name``; and on Gemini 3 models every tool-calling
    assistant message of the current turn (after the last user message) has a thought
    signature Gemini issued on its first call, as
    ``extra_content.google.thought_signature``.
    """
    complaint = validate_chat_request(body)
    if complaint is not None:
        return complaint
    messages: list[dict[str, Any]] = body["messages"]
    for index, message in enumerate(messages):
        if "name" in message:
            return (
                f"Invalid JSON payload received. Unknown name \"name\" at 'messages[{index}]': "
                "Cannot find field."
            )
    if not str(body["model"]).removeprefix("models/").startswith("gemini-3"):
        return None
    users = [i for i, m in enumerate(messages) if m["role"] == "user"]
    current = messages[users[-1] + 1 :] if users else messages
    for message in current:
        calls = message.get("tool_calls") or []
        if message["role"] != "assistant" or not calls:
            continue
        google = (calls[0].get("extra_content") or {}).get("google") or {}
        if not _issued(google.get("thought_signature")):
            return (
                "Function call is missing a thought_signature in functionCall parts. This is "
                "required for tools to work correctly, and missing thought_signature may lead "
                f"to degraded model performance. Additional data, function call "
                f"`{calls[0]['function']['name']}`. Please refer to "
                "https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
            )
    return None


class GeminiWireServer(OpenAIWireServer):
    """A wire server speaking Gemini's OpenAI-compatible dialect under ``/v1beta/openai/``.

    Requests are checked by :func:`validate_gemini_request` and refused with Gemini's
    list-wrapped 400 (``validate=False`` turns that off).
    """

    def __init__(self, *, fallback: Responder | None = None, validate: bool = True) -> None:
        super().__init__(fallback=fallback, validate=validate)

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1beta/openai/"

    def _validator(self) -> Validator:
        return chat_request_validator(
            validate_gemini_request, lambda complaint: gemini_error(400, complaint)
        )
