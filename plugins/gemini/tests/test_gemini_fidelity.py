"""Gemini's own wire behaviour: index-less split tool calls, thought signatures, errors.

Built from the shapes Gemini's OpenAI-compatible endpoint sends; the server refuses
requests as Gemini does (``GeminiWireServer``), so a dropped signature fails here.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
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
from retinue_gemini import GeminiChatCompletionClient
from retinue_gemini.testing import (
    GeminiWireServer,
    gemini_completion_with_tool_calls,
    gemini_stream_error,
    gemini_stream_with_tool_calls,
    thought_signature,
)
from retinue_openai.testing import chat_completion, chat_completion_stream

KEY = "AIzaSyTEST-gemini-key-0123456789"
WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}
GEMINI_3 = "gemini-3-pro-preview"
GEMINI_3_INFO = {
    "vision": True,
    "function_calling": True,
    "json_output": True,
    "family": "gemini-3-pro",
    "structured_output": True,
}
QUESTION = UserMessage(content="Weather in Paris and Rome?")


@pytest.fixture
def server() -> Iterator[GeminiWireServer]:
    with GeminiWireServer() as wire:
        yield wire


@pytest.fixture
async def client(server: GeminiWireServer) -> AsyncIterator[GeminiChatCompletionClient]:
    client = GeminiChatCompletionClient(
        GEMINI_3, api_key=KEY, base_url=server.base_url, model_info=GEMINI_3_INFO, max_retries=0
    )
    yield client
    await client.close()


async def call(client: GeminiChatCompletionClient, stream: bool, messages: list[Any]) -> Any:
    if not stream:
        return await client.create(messages, tools=[WEATHER])  # type: ignore[list-item]
    items = [i async for i in client.create_stream(messages, tools=[WEATHER])]  # type: ignore[list-item]
    assert isinstance(items[-1], CreateResult)
    return items[-1]


@pytest.mark.parametrize("repeat_id", [True, False], ids=["id-repeated", "id-once"])
async def test_split_streamed_calls_without_index_are_assembled(
    server: GeminiWireServer, client: GeminiChatCompletionClient, repeat_id: bool
) -> None:
    server.enqueue(
        gemini_stream_with_tool_calls(
            [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome, Italy"})],
            pieces=3,
            repeat_id=repeat_id,
            model=GEMINI_3,
        )
    )
    result = await call(client, True, [QUESTION])
    assert result.finish_reason == "function_calls"
    assert [(c.name, json.loads(c.arguments)) for c in result.content] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Rome, Italy"}),
    ]
    assert all(c.id.startswith("function-call-") for c in result.content)
    assert len({c.id for c in result.content}) == 2


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
async def test_thought_signatures_go_back_with_their_calls(
    server: GeminiWireServer, client: GeminiChatCompletionClient, stream: bool
) -> None:
    calls = [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})]
    if stream:
        server.enqueue(gemini_stream_with_tool_calls(calls, pieces=2, model=GEMINI_3))
        server.enqueue(chat_completion_stream(["Sunny in both."], model=GEMINI_3))
    else:
        server.enqueue(gemini_completion_with_tool_calls(calls, model=GEMINI_3))
        server.enqueue(chat_completion("Sunny in both.", model=GEMINI_3))
    first = await call(client, stream, [QUESTION])
    signature = {"google": {"thought_signature": thought_signature("get_weather")}}
    assert [c.provider_data for c in first.content] == [signature, None]

    context = [
        QUESTION,
        AssistantMessage(content=first.content),
        FunctionExecutionResultMessage(
            content=[
                FunctionExecutionResult(content="sunny", name=c.name, call_id=c.id)
                for c in first.content
            ]
        ),
    ]
    second = await call(client, stream, context)
    assert second.content == "Sunny in both."
    assert server.rejections == []
    sent = server.last_request.json["messages"][1]["tool_calls"]
    assert sent[0]["extra_content"] == signature
    assert "extra_content" not in sent[1]


async def test_a_call_without_its_signature_is_refused_like_gemini_3(
    server: GeminiWireServer, client: GeminiChatCompletionClient
) -> None:
    unsigned = FunctionCall(id="function-call-9", name="get_weather", arguments="{}")
    context = [
        QUESTION,
        AssistantMessage(content=[unsigned]),
        FunctionExecutionResultMessage(
            content=[
                FunctionExecutionResult(content="sunny", name="get_weather", call_id=unsigned.id)
            ]
        ),
    ]
    server.enqueue(chat_completion("never sent", model=GEMINI_3))
    with pytest.raises(ModelResponseError, match="missing a thought_signature"):
        await client.create(context, tools=[WEATHER])  # type: ignore[list-item]
    assert len(server.rejections) == 1


async def test_an_error_inside_a_stream_is_a_typed_error_after_the_text(
    server: GeminiWireServer, client: GeminiChatCompletionClient
) -> None:
    stream = chat_completion_stream(["Partly ", "cloudy"], model=GEMINI_3, include_usage=False)
    head = stream.normalized()[:2]
    server.enqueue(
        type(stream)([*head, gemini_stream_error(500, "An internal error has occurred")])
    )
    received: list[Any] = []
    with pytest.raises(ModelResponseError, match="An internal error has occurred"):
        async for item in client.create_stream([QUESTION]):
            received.append(item)
    assert received == ["Partly "]
