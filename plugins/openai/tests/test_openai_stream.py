"""``create_stream`` against scripted SSE streams: chunks, tool-call deltas, usage, truncation."""

from __future__ import annotations

import pytest
from retinue import ModelResponseError
from retinue.models import CreateResult, FunctionCall, UserMessage
from retinue.testing.wire import SSEResponse
from retinue_openai import OpenAIChatCompletionClient
from retinue_openai.testing import (
    OpenAIWireServer,
    chat_completion,
    chat_completion_stream,
    tool_call,
    usage,
)


async def collect(client: OpenAIChatCompletionClient, **kwargs: object) -> list[object]:
    return [item async for item in client.create_stream([UserMessage(content="hi")], **kwargs)]  # type: ignore[arg-type]


async def test_text_chunks_then_one_result_with_usage(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion_stream(["Hel", "lo", "!"], usage=usage(12, 3)))
    items = await collect(client)
    assert items[:-1] == ["Hel", "lo", "!"]
    result = items[-1]
    assert isinstance(result, CreateResult)
    assert (result.content, result.finish_reason) == ("Hello!", "stop")
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (12, 3)
    assert client.total_usage().prompt_tokens == 12
    sent = server.last_request.json
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}


async def test_parallel_tool_calls_are_assembled_from_deltas(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    calls = [
        tool_call("get_weather", {"city": "Paris", "unit": "C"}, id="call_1"),
        tool_call("get_weather", {"city": "Rome", "unit": "C"}, id="call_2"),
        tool_call("get_time", {}, id="call_3"),
    ]
    server.enqueue(chat_completion_stream(tool_calls=calls, arguments_split=4))
    items = await collect(client)
    assert len(items) == 1
    result = items[0]
    assert isinstance(result, CreateResult)
    assert result.finish_reason == "function_calls"
    assert result.content == [
        FunctionCall(id="call_1", name="get_weather", arguments='{"city": "Paris", "unit": "C"}'),
        FunctionCall(id="call_2", name="get_weather", arguments='{"city": "Rome", "unit": "C"}'),
        FunctionCall(id="call_3", name="get_time", arguments="{}"),
    ]


async def test_reasoning_deltas_become_the_thought(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion_stream(["4"], reasoning_chunks=["2+2 ", "is 4"]))
    result = (await collect(client))[-1]
    assert isinstance(result, CreateResult)
    assert (result.content, result.thought) == ("4", "2+2 is 4")


async def test_stream_without_usage_chunk_reports_zero_usage(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion_stream(["ok"], include_usage=False))
    result = (await collect(client))[-1]
    assert isinstance(result, CreateResult)
    assert result.usage.prompt_tokens == 0


async def test_server_closing_mid_stream_is_a_response_error(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion_stream(["one ", "two ", "three"], close_after=2))
    seen: list[object] = []
    with pytest.raises(ModelResponseError, match=r"'openai'.*'gpt-4o'.*cut off") as caught:
        async for item in client.create_stream([UserMessage(content="count")]):
            seen.append(item)
    assert seen == ["one "]
    assert "retry" in str(caught.value)
    # The client keeps working after a broken stream.
    server.enqueue(chat_completion("fine"))
    assert (await client.create([UserMessage(content="again")])).content == "fine"


async def test_stream_that_ends_without_finish_reason_is_truncated(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": "half"}, "finish_reason": None}],
    }
    server.enqueue(SSEResponse([chunk, "[DONE]"]))
    with pytest.raises(ModelResponseError, match="without a finish_reason"):
        await collect(client)


async def test_malformed_tool_arguments_in_a_stream_do_not_crash(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion_stream(tool_calls=[tool_call("f", "{not json", id="c9")]))
    result = (await collect(client))[-1]
    assert isinstance(result, CreateResult)
    assert result.content == [FunctionCall(id="c9", name="f", arguments="{not json")]
