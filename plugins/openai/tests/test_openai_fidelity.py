"""Answers real OpenAI sends that are easy to misread, and requests it refuses.

Refusals come back as ``refusal`` with empty content and finish reason ``stop``
(whole and streamed); a stream can fail after it started with an ``error`` event; the
server refuses requests as OpenAI does (``OpenAIWireServer`` validates by default).
"""

from __future__ import annotations

from typing import Any

import pytest
from retinue import ModelResponseError
from retinue.models import (
    AssistantMessage,
    CreateResult,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    UserMessage,
)
from retinue.testing.wire import SSEResponse
from retinue_openai import OpenAIChatCompletionClient
from retinue_openai.testing import (
    OpenAIWireServer,
    chat_completion,
    chat_completion_stream,
    refusal_stream,
    stream_error,
    tool_call,
    validate_chat_request,
)

REFUSAL = "I'm sorry, I can't help with that."
HI = [UserMessage(content="hi")]


async def test_a_refusal_is_a_visible_content_filter_result(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion(None, refusal=REFUSAL))
    result = await client.create(HI)
    assert (result.finish_reason, result.content, result.refusal) == (
        "content_filter",
        REFUSAL,
        REFUSAL,
    )


async def test_a_streamed_refusal_is_streamed_and_visible(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(refusal_stream(REFUSAL))
    items = [item async for item in client.create_stream(HI)]
    result = items[-1]
    assert isinstance(result, CreateResult)
    assert "".join(items[:-1]) == REFUSAL  # type: ignore[arg-type]
    assert (result.finish_reason, result.content, result.refusal) == (
        "content_filter",
        REFUSAL,
        REFUSAL,
    )


async def test_a_refused_reply_goes_back_as_the_assistant_turn(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion(None, refusal=REFUSAL), chat_completion("Sure, that I can do."))
    refused = await client.create(HI)
    await client.create(
        [*HI, AssistantMessage(content=refused.content), UserMessage(content="ok?")]
    )
    assert server.last_request.json["messages"][1] == {"role": "assistant", "content": REFUSAL}
    assert server.rejections == []


async def test_an_error_event_inside_a_stream_is_a_typed_error_after_the_text(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    stream = chat_completion_stream(["The answer ", "is"], include_usage=False)
    head = stream.normalized()[:2]
    server.enqueue(
        SSEResponse([*head, stream_error("The server had an error processing your request.")])
    )
    received: list[Any] = []
    with pytest.raises(
        ModelResponseError, match=r"in the middle of the answer.*had an error"
    ) as caught:
        async for item in client.create_stream(HI):
            received.append(item)
    assert received == ["The answer "]
    assert caught.value.todo and "retry" in caught.value.todo


async def test_a_tool_loop_passes_the_validating_server(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    calls = [tool_call("add", {"a": 1}, id="call_a"), tool_call("add", {"a": 2}, id="call_b")]
    server.enqueue(chat_completion(tool_calls=calls), chat_completion("3"))
    tools = [{"name": "add", "parameters": {"type": "object", "properties": {}}}]
    first = await client.create(HI, tools=tools)  # type: ignore[arg-type]
    assert isinstance(first.content, list)
    results = FunctionExecutionResultMessage(
        content=[
            FunctionExecutionResult(content="ok", name="add", call_id=c.id) for c in first.content
        ]
    )
    await client.create([*HI, AssistantMessage(content=first.content), results], tools=tools)  # type: ignore[arg-type]
    assert server.rejections == []


async def test_an_unanswered_tool_call_is_refused_like_openai(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    dangling = AssistantMessage(content=[FunctionCall(id="call_x", name="add", arguments="{}")])
    server.enqueue(chat_completion("never sent"))
    with pytest.raises(ModelResponseError, match="did not have response messages: call_x"):
        await client.create([*HI, dangling, UserMessage(content="and?")])


def chat(messages: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": messages, **fields}


USER = {"role": "user", "content": "hi"}
CALLS = {"role": "assistant", "content": None, "tool_calls": [tool_call("f", {}, id="c1")]}
TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"messages": [USER]}, "model parameter"),
        (chat([]), "empty array"),
        (chat([{"role": "robot", "content": "x"}]), "role"),
        (chat([{"role": "user"}]), "messages[0].content"),
        (chat([USER, {"role": "assistant", "content": None}]), "got null"),
        (chat([{**USER, "name": "Dr. Who"}]), "pattern"),
        (chat([USER, {"role": "tool", "tool_call_id": "c1", "content": "x"}]), "preceeding"),
        (chat([USER, CALLS, USER]), "did not have response messages: c1"),
        (chat([USER, CALLS]), "did not have response messages: c1"),
        (chat([USER], tool_choice="auto"), "only allowed when 'tools'"),
        (chat([USER], stream_options={"include_usage": True}), "only allowed when 'stream'"),
        (chat([USER], response_format={"type": "json_object"}), "word 'json'"),
        (chat([USER], response_format={"type": "json_schema", "json_schema": {}}), "name"),
        (chat([USER], tools=[{"type": "function", "function": {"name": "a b"}}]), "pattern"),
    ],
)
def test_the_validator_refuses_what_openai_refuses(body: dict[str, Any], complaint: str) -> None:
    found = validate_chat_request(body)
    assert found is not None and complaint in found


def test_the_validator_accepts_a_tool_loop() -> None:
    answered = {"role": "tool", "tool_call_id": "c1", "content": "ok"}
    assert (
        validate_chat_request(chat([USER, CALLS, answered], tools=TOOLS, tool_choice="auto"))
        is None
    )
