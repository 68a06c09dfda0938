"""Build OpenAI chat-completions answers for :class:`retinue.testing.wire.WireServer`.

Everything here produces the JSON shapes OpenAI's API returns, so a real SDK (ours
or a third party's) can be tested against a local server::

    from retinue_openai.testing import OpenAIWireServer, chat_completion, tool_call

    with OpenAIWireServer() as server:
        server.enqueue(chat_completion("Hello!"))
        client = OpenAIChatCompletionClient("gpt-4o", api_key="sk-test", base_url=server.base_url)
        ...
        assert server.last_request.json["model"] == "gpt-4o"

:class:`OpenAIWireServer` checks every chat-completions request against the API's
documented rules (:func:`validate_chat_request`) and answers a broken one with the
API's 400 ``invalid_request_error``, so a client bug fails a test as it fails in
production; ``stream_error`` is the error event OpenAI sends inside a stream.

Only the standard library and the kernel's wire server are used; importing this
module does not import ``openai``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from retinue.testing.wire import (
    JSONResponse,
    RecordedRequest,
    Responder,
    SSEEvent,
    SSEResponse,
    Validator,
    WireServer,
)

__all__ = [
    "OpenAIWireServer",
    "always_answer",
    "chat_completion",
    "chat_completion_stream",
    "openai_error",
    "refusal_stream",
    "stream_error",
    "tool_call",
    "usage",
    "validate_chat_request",
]

_ids = itertools.count(1)


class OpenAIWireServer(WireServer):
    """A :class:`WireServer` whose ``base_url`` ends in ``/v1``, as OpenAI's does.

    Azure-style clients need the root instead: use :attr:`root_url`.  Every
    ``POST .../chat/completions`` is checked by :func:`validate_chat_request`; a broken
    one is answered 400 as OpenAI answers it and listed in ``rejections``.
    ``validate=False`` turns the checks off, to script answers to requests the API
    would refuse.
    """

    def __init__(self, *, fallback: Responder | None = None, validate: bool = True) -> None:
        super().__init__(fallback=fallback, validator=self._validator() if validate else None)

    def _validator(self) -> Validator:
        return chat_request_validator(
            validate_chat_request, lambda complaint: openai_error(400, complaint)
        )

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


def refusal_stream(refusal: str, *, model: str = "gpt-4o", pieces: int = 3) -> SSEResponse:
    """A streamed refusal as OpenAI sends it: ``delta.refusal`` pieces, no content,
    finish reason ``stop``."""
    chunk_id = f"chatcmpl-{next(_ids)}"
    size = max(1, -(-len(refusal) // pieces))
    events: list[Any] = [
        _chunk(chunk_id, model, {"role": "assistant", "content": None, "refusal": ""}, None)
    ]
    events += [
        _chunk(chunk_id, model, {"refusal": refusal[i : i + size]}, None)
        for i in range(0, len(refusal), size)
    ]
    events.append(_chunk(chunk_id, model, {}, "stop"))
    return SSEResponse([*events, "[DONE]"])


def stream_error(message: str, *, type: str = "server_error", code: str | None = None) -> SSEEvent:
    """The event OpenAI sends when a stream fails after it started (``{"error": {...}}``)."""
    return SSEEvent({"error": {"message": message, "type": type, "param": None, "code": code}})


# -- request validation ----------------------------------------------------------------

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


class _Invalid(Exception):
    """A request the real API would refuse; its message is the API's error text."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise _Invalid(message)


def chat_request_validator(
    validate: Callable[[Any], str | None], refuse: Callable[[str], JSONResponse]
) -> Validator:
    """A wire-server validator: ``validate`` each chat-completions body, ``refuse`` with the
    provider's error answer (OpenAI's or an OpenAI-compatible provider's)."""

    def check(request: RecordedRequest) -> JSONResponse | None:
        if request.method != "POST" or not request.path.endswith("/chat/completions"):
            return None
        complaint = validate(request.json)
        return None if complaint is None else refuse(complaint)

    return check


def validate_chat_request(body: Any) -> str | None:
    """OpenAI's complaint about a ``POST /v1/chat/completions`` body, or None when valid.

    Checks the documented rules: ``model`` and a non-empty ``messages``; each message's
    role and required content (an assistant needs content or tool calls); message
    names; tool calls and their ids; every tool message answering a call of the
    assistant message before it, and every call answered before the next other
    message; tool definitions; ``tool_choice`` only with tools; ``stream_options``
    only when streaming; ``response_format`` shapes, with the word "json" in the
    messages for JSON mode.
    """
    try:
        _check_chat_body(body)
    except _Invalid as exc:
        return str(exc)
    return None


def _check_chat_body(body: Any) -> None:
    _require(isinstance(body, dict), "We could not parse the JSON body of your request.")
    _require(
        isinstance(body.get("model"), str) and body["model"],
        "you must provide a model parameter",
    )
    messages = body.get("messages")
    _require(
        isinstance(messages, list) and messages,
        "Invalid 'messages': empty array. Expected an array with minimum length 1.",
    )
    for index, message in enumerate(messages):
        _check_message(index, message)
    _check_tool_sequence(messages)
    names = _check_tools(body.get("tools"))
    choice = body.get("tool_choice")
    if choice is not None:
        _require(
            bool(names),
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' "
            "are specified.",
        )
        if isinstance(choice, dict):
            chosen = (choice.get("function") or {}).get("name")
            _require(chosen in names, f"Invalid 'tool_choice': no function named {chosen!r}.")
        else:
            _require(
                choice in ("auto", "none", "required"),
                f"Invalid value for 'tool_choice': {choice!r}.",
            )
    _require(
        "stream_options" not in body or bool(body.get("stream")),
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
    )
    _check_response_format(body.get("response_format"), messages)


def _check_message(index: int, message: Any) -> None:
    where = f"messages[{index}]"
    _require(isinstance(message, dict), f"Invalid type for '{where}': expected an object.")
    role = message.get("role")
    _require(role in _ROLES, f"Invalid value for '{where}.role': {role!r}.")
    name = message.get("name")
    if name is not None:
        _require(
            isinstance(name, str) and bool(_NAME.match(name)),
            f"Invalid '{where}.name': string does not match pattern. Expected a string that "
            "matches the pattern '^[a-zA-Z0-9_-]+$'.",
        )
    content = message.get("content")
    if role == "assistant":
        calls = message.get("tool_calls")
        _require(
            content is not None or bool(calls) or message.get("refusal") is not None,
            f"Invalid value for '{where}.content': expected a string, got null.",
        )
        for position, call in enumerate(calls or []):
            _check_call(f"{where}.tool_calls[{position}]", call)
    else:
        _require(
            isinstance(content, (str, list)),
            f"Missing required parameter: '{where}.content'.",
        )
    if role == "tool":
        _require(
            isinstance(message.get("tool_call_id"), str) and message["tool_call_id"],
            f"Missing required parameter: '{where}.tool_call_id'.",
        )
    if isinstance(content, list):
        for position, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            allowed = {"text", "image_url", "input_audio", "file"} if role == "user" else {"text"}
            _require(
                kind in allowed,
                f"Invalid value for '{where}.content[{position}].type': {kind!r}.",
            )


def _check_call(where: str, call: Any) -> None:
    _require(isinstance(call, dict), f"Invalid type for '{where}': expected an object.")
    _require(
        isinstance(call.get("id"), str) and call["id"], f"Missing required parameter: '{where}.id'."
    )
    _require(call.get("type") == "function", f"Missing required parameter: '{where}.type'.")
    function = call.get("function")
    _require(
        isinstance(function, dict)
        and isinstance(function.get("name"), str)
        and bool(function["name"])
        and isinstance(function.get("arguments"), str),
        f"Missing required parameter: '{where}.function' (with name and arguments).",
    )


def _check_tool_sequence(messages: list[dict[str, Any]]) -> None:
    pending: list[str] = []
    answerable: set[str] = set()
    for index, message in enumerate(messages):
        role = message["role"]
        if role == "tool":
            call_id = message["tool_call_id"]
            _require(
                call_id in answerable,
                f"Invalid parameter: messages with role 'tool' must be a response to a "
                f"preceeding message with 'tool_calls' (messages[{index}], {call_id!r}).",
            )
            if call_id in pending:
                pending.remove(call_id)
            continue
        _require(
            not pending,
            "An assistant message with 'tool_calls' must be followed by tool messages "
            "responding to each 'tool_call_id'. The following tool_call_ids did not have "
            f"response messages: {', '.join(pending)}",
        )
        calls = message.get("tool_calls") or [] if role == "assistant" else []
        pending = [call["id"] for call in calls]
        answerable = set(pending)
    _require(
        not pending,
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        f"to each 'tool_call_id'. The following tool_call_ids did not have response "
        f"messages: {', '.join(pending)}",
    )


def _check_tools(tools: Any) -> set[str]:
    if tools is None:
        return set()
    _require(isinstance(tools, list), "Invalid type for 'tools': expected an array.")
    names: set[str] = set()
    for index, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        name = function.get("name") if isinstance(function, dict) else None
        _require(
            isinstance(tool, dict) and tool.get("type") == "function",
            f"Missing required parameter: 'tools[{index}].type'.",
        )
        _require(
            isinstance(name, str) and bool(_NAME.match(name)),
            f"Invalid 'tools[{index}].function.name': string does not match pattern. "
            "Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
        )
        parameters = function.get("parameters") if isinstance(function, dict) else None
        _require(
            parameters is None
            or (isinstance(parameters, dict) and parameters.get("type") == "object"),
            f"Invalid schema for function '{name}': schema must be a JSON Schema of "
            "'type: \"object\"'.",
        )
        names.add(name)
    return names


def _check_response_format(response_format: Any, messages: list[dict[str, Any]]) -> None:
    if response_format is None:
        return
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    _require(
        kind in ("text", "json_object", "json_schema"),
        f"Invalid value for 'response_format.type': {kind!r}.",
    )
    if kind == "json_schema":
        schema = response_format.get("json_schema")
        _require(
            isinstance(schema, dict) and bool(schema.get("name")),
            "Missing required parameter: 'response_format.json_schema.name'.",
        )
    if kind == "json_object":
        _require(
            "json" in json.dumps([m.get("content") for m in messages]).lower(),
            "'messages' must contain the word 'json' in some form, to use 'response_format' "
            "of type 'json_object'.",
        )
