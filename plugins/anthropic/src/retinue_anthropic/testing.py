"""Anthropic Messages API answers for :class:`retinue.testing.wire.WireServer`.

Build real Messages API JSON bodies, SSE event sequences and error bodies, serve them
from a wire server on 127.0.0.1, and point any Anthropic client at ``server.base_url``::

    from retinue.testing.wire import WireServer
    from retinue_anthropic.testing import messages_response, messages_stream, text, tool_use

    with AnthropicWireServer() as server:
        server.enqueue(messages_response([text("Hello!")]))
        server.enqueue(messages_stream([tool_use("get_weather", {"city": "Paris"})],
                                       stop_reason="tool_use"))
        client = AnthropicChatCompletionClient("claude-sonnet-5", api_key="test",
                                               base_url=server.base_url)
        ...
        assert server.requests[0].path == "/v1/messages"
        assert server.requests[0].json["messages"][0]["role"] == "user"

:class:`AnthropicWireServer` checks every request against the API's documented rules
(:func:`validate_messages_request`) and answers a broken one with the API's 400
``invalid_request_error``, so a client bug fails a test as it fails in production.
Thinking blocks are signed here (:func:`thinking`, :func:`redacted_thinking`) and the
server refuses a thinking block whose text or signature was changed, as the API does.

The builders use only the standard library and the kernel's wire server, so other
plugins and third parties can use them without this client.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from collections.abc import Mapping, Sequence
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
    "AnthropicWireServer",
    "error_body",
    "error_event",
    "error_response",
    "message_body",
    "messages_response",
    "messages_stream",
    "redacted_thinking",
    "text",
    "thinking",
    "tool_use",
    "validate_messages_request",
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


def _sign(value: str) -> str:
    # Stands in for the API's cryptographic signature: any change to the text breaks it.
    return base64.b64encode(hashlib.sha256(b"thinking:" + value.encode()).digest()).decode()


def thinking(value: str, signature: str | None = None) -> dict[str, Any]:
    """A ``thinking`` content block (extended thinking), signed for its text.

    Pass ``signature`` to script a block whose signature the server will refuse.
    """
    return {"type": "thinking", "thinking": value, "signature": signature or _sign(value)}


def redacted_thinking(label: str = "redacted") -> dict[str, Any]:
    """A ``redacted_thinking`` block: thinking the API encrypted, only ``data`` travels."""
    payload = f"{label}:{_sign(label)}".encode()
    return {"type": "redacted_thinking", "data": base64.b64encode(payload).decode()}


def _valid_redacted(data: Any) -> bool:
    try:
        label, _, signature = base64.b64decode(str(data), validate=True).decode().partition(":")
    except ValueError:
        return False
    return bool(signature) and signature == _sign(label)


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
    elif kind == "redacted_thinking":
        # Encrypted thinking arrives whole in its start event, with no deltas.
        start, deltas = dict(block), []
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

    Retryable errors (429, 5xx) get ``retry-after: 1`` (whole seconds, as the API sends
    it) unless ``headers`` say otherwise, so a retrying client waits as the server
    directs; a zero or missing value would make it fall back on its own backoff.
    """
    code = status if status is not None else _ERROR_STATUS.get(error_type, 400)
    base = {"request-id": "req_test"}
    if code == 429 or code >= 500:
        base["retry-after"] = "1"
    return JSONResponse(
        error_body(error_type, message), status=code, headers={**base, **(headers or {})}
    )


def error_event(error_type: str, message: str = "scripted error") -> SSEEvent:
    """An ``error`` event, as the API sends inside a stream (e.g. ``overloaded_error``)."""
    return SSEEvent(error_body(error_type, message), "error")


# -- request validation ----------------------------------------------------------------

_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_USER_BLOCKS = {"text", "image", "document", "tool_result", "search_result"}
_ASSISTANT_BLOCKS = {"text", "tool_use", "thinking", "redacted_thinking", "server_tool_use"}
_THINKING_BLOCKS = {"thinking", "redacted_thinking"}


class _Invalid(Exception):
    """A request the real API would refuse; its message is the API's error text."""


def validate_messages_request(body: Any) -> str | None:
    """The API's complaint about a ``POST /v1/messages`` body, or None when it is valid.

    Checks the documented rules: required fields and their types; roles, content
    blocks allowed per role and non-empty text; the first turn from the user; every
    ``tool_use`` answered by a ``tool_result`` first in the very next user turn and
    every ``tool_result`` answering a call of the turn before; tool definitions;
    extended thinking's limits (budget of at least 1024 and below ``max_tokens``, no
    ``temperature``/``top_k``, no forced tool) and its blocks (signature intact,
    and an assistant turn continued by tool results opening with its thinking).
    """
    try:
        _check_body(body)
    except _Invalid as exc:
        return str(exc)
    return None


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise _Invalid(message)


def _check_body(body: Any) -> None:
    _require(isinstance(body, dict), "the request body must be a JSON object")
    _require(isinstance(body.get("model"), str) and body["model"], "model: Field required")
    max_tokens = body.get("max_tokens")
    _require(
        isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens >= 1,
        "max_tokens: Field required (an integer of at least 1)",
    )
    messages = body.get("messages")
    _require(isinstance(messages, list) and messages, "messages: Field required (non-empty)")
    system = body.get("system")
    if system is not None:
        _require(
            isinstance(system, str)
            or (isinstance(system, list) and all(b.get("type") == "text" for b in system)),
            "system: Input should be a string or a list of text blocks",
        )
    thinking_on = _check_thinking(body, max_tokens)
    names = _check_tools(body.get("tools"))
    _check_tool_choice(body.get("tool_choice"), names, thinking_on)
    turns = [_blocks_of(i, m) for i, m in enumerate(messages)]
    _require(
        messages[0].get("role") == "user",
        'messages.0.role: the first message must use the "user" role',
    )
    for index, (role, blocks) in enumerate(turns):
        last = index == len(turns) - 1
        _require(
            bool(blocks) or (last and role == "assistant"),
            f"messages.{index}: all messages must have non-empty content except for the "
            "optional final assistant message",
        )
        for position, block in enumerate(blocks):
            _check_block(f"messages.{index}.content.{position}", role, block)
    _check_tool_pairing(turns)
    if thinking_on:
        _check_continued_turn_opens_with_thinking(turns)


def _blocks_of(index: int, message: Any) -> tuple[str, list[dict[str, Any]]]:
    _require(isinstance(message, dict), f"messages.{index}: Input should be an object")
    role = message.get("role")
    _require(
        role in ("user", "assistant"),
        f"messages.{index}.role: Input should be 'user' or 'assistant'",
    )
    content = message.get("content")
    if isinstance(content, str):
        return role, ([{"type": "text", "text": content}] if content else [])
    _require(isinstance(content, list), f"messages.{index}.content: Field required")
    for position, block in enumerate(content):
        _require(
            isinstance(block, dict) and isinstance(block.get("type"), str),
            f"messages.{index}.content.{position}: each content block needs a type",
        )
    return role, content


def _check_block(where: str, role: str, block: dict[str, Any]) -> None:
    kind = block["type"]
    allowed = _USER_BLOCKS if role == "user" else _ASSISTANT_BLOCKS
    _require(kind in allowed, f"{where}.type: a {role} message cannot hold a {kind!r} block")
    if kind == "text":
        text = block.get("text")
        _require(isinstance(text, str), f"{where}.text: Field required")
        _require(
            bool(text.strip()), f"{where}: text content blocks must contain non-whitespace text"
        )
    elif kind == "tool_use":
        for key in ("id", "name"):
            _require(
                isinstance(block.get(key), str) and block[key], f"{where}.{key}: Field required"
            )
        _require(isinstance(block.get("input"), dict), f"{where}.input: Input should be an object")
    elif kind == "tool_result":
        _require(
            isinstance(block.get("tool_use_id"), str) and block["tool_use_id"],
            f"{where}.tool_use_id: Field required",
        )
    elif kind == "thinking":
        text, signature = block.get("thinking"), block.get("signature")
        _require(isinstance(text, str), f"{where}.thinking: Field required")
        _require(isinstance(signature, str) and signature, f"{where}.signature: Field required")
        _require(signature == _sign(text), f"{where}: Invalid `signature` in `thinking` block")
    elif kind == "redacted_thinking":
        _require(
            _valid_redacted(block.get("data")),
            f"{where}: Invalid `data` in `redacted_thinking` block",
        )


def _check_thinking(body: dict[str, Any], max_tokens: int) -> bool:
    config = body.get("thinking")
    if config is None or config.get("type") == "disabled":
        return False
    _require(
        config.get("type") == "enabled", "thinking.type: Input should be 'enabled' or 'disabled'"
    )
    budget = config.get("budget_tokens")
    _require(
        isinstance(budget, int) and budget >= 1024,
        "thinking.budget_tokens: Input should be greater than or equal to 1024",
    )
    _require(budget < max_tokens, "`max_tokens` must be greater than `thinking.budget_tokens`")
    _require(
        body.get("temperature") in (None, 1) and "top_k" not in body,
        "`temperature` and `top_k` may not be set when thinking is enabled",
    )
    top_p = body.get("top_p")
    _require(
        top_p is None or 0.95 <= top_p <= 1,
        "`top_p` must be between 0.95 and 1 when thinking is enabled",
    )
    return True


def _check_tools(tools: Any) -> set[str]:
    if tools is None:
        return set()
    _require(isinstance(tools, list), "tools: Input should be a list")
    names: set[str] = set()
    for index, tool in enumerate(tools):
        name = tool.get("name") if isinstance(tool, dict) else None
        _require(
            isinstance(name, str) and bool(_TOOL_NAME.match(name)),
            f"tools.{index}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'",
        )
        _require(name not in names, f"tools: Tool names must be unique ({name!r})")
        schema = tool.get("input_schema")
        _require(
            isinstance(schema, dict) and schema.get("type") == "object",
            f"tools.{index}.input_schema: Field required (a JSON schema of type 'object')",
        )
        names.add(name)
    return names


def _check_tool_choice(choice: Any, names: set[str], thinking_on: bool) -> None:
    if choice is None:
        return
    kind = choice.get("type") if isinstance(choice, dict) else None
    _require(
        kind in ("auto", "any", "tool", "none"),
        "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'",
    )
    if kind == "tool":
        _require(
            choice.get("name") in names,
            f"tool_choice.name: no tool named {choice.get('name')!r} in tools",
        )
    _require(
        not (thinking_on and kind in ("any", "tool")),
        "Thinking may not be enabled when tool_choice forces tool use.",
    )


def _check_tool_pairing(turns: list[tuple[str, list[dict[str, Any]]]]) -> None:
    for index, (role, blocks) in enumerate(turns):
        if role != "user":
            continue
        previous = turns[index - 1][1] if index > 0 and turns[index - 1][0] == "assistant" else []
        calls = {b["id"] for b in previous if b["type"] == "tool_use"}
        kinds = [b["type"] for b in blocks]
        results = [b["tool_use_id"] for b in blocks if b["type"] == "tool_result"]
        unexpected = [r for r in results if r not in calls]
        _require(
            not unexpected,
            f"messages.{index}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
            f"{', '.join(unexpected)}. Each `tool_result` block must have a corresponding "
            "`tool_use` block in the previous message.",
        )
        _require(
            kinds[: len(results)] == ["tool_result"] * len(results),
            f"messages.{index}.content: `tool_result` blocks must come first in the user "
            "message, before any other content",
        )
    for index, (role, blocks) in enumerate(turns):
        if role != "assistant":
            continue
        calls = [b["id"] for b in blocks if b["type"] == "tool_use"]
        following = turns[index + 1][1] if index + 1 < len(turns) else None
        answered = {b.get("tool_use_id") for b in following or [] if b["type"] == "tool_result"}
        missing = [c for c in calls if c not in answered]
        _require(
            not missing,
            f"messages.{index}: `tool_use` ids were found without `tool_result` blocks "
            f"immediately after: {', '.join(missing)}. Each `tool_use` block must have a "
            "corresponding `tool_result` block in the next message.",
        )


def _check_continued_turn_opens_with_thinking(
    turns: list[tuple[str, list[dict[str, Any]]]],
) -> None:
    role, blocks = turns[-1]
    if role != "user" or not any(b["type"] == "tool_result" for b in blocks) or len(turns) < 2:
        return
    index = len(turns) - 2
    first = turns[index][1][0]["type"] if turns[index][1] else "nothing"
    _require(
        first in _THINKING_BLOCKS,
        f"messages.{index}.content.0.type: Expected `thinking` or `redacted_thinking`, but "
        f"found `{first}`. When `thinking` is enabled, a final `assistant` message must start "
        "with a thinking block (preceding the lastmost set of `tool_use` and `tool_result` "
        "blocks). To avoid this requirement, disable `thinking`.",
    )


def _validator(request: RecordedRequest) -> JSONResponse | None:
    if request.method != "POST" or not request.path.endswith("/v1/messages"):
        return None
    complaint = validate_messages_request(request.json)
    if complaint is None:
        return None
    return error_response("invalid_request_error", complaint)


class AnthropicWireServer(WireServer):
    """A :class:`WireServer` that refuses invalid Messages API requests as the API does.

    Every ``POST /v1/messages`` is checked by :func:`validate_messages_request`; a
    broken one is answered 400 ``invalid_request_error`` with the API's message and
    listed in ``rejections``.  ``validate=False`` turns the checks off, to script
    answers to requests the API would refuse.
    """

    def __init__(self, *, fallback: Responder | None = None, validate: bool = True) -> None:
        super().__init__(fallback=fallback, validator=_validator if validate else None)
