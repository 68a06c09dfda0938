"""What the client sends to the Messages API and how it reads the answers (real SDK, real HTTP)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel
from retinue.models import (
    AssistantMessage,
    CreateResult,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    Image,
    SystemMessage,
    UserMessage,
)
from retinue.testing.wire import WireServer
from retinue.tools import ToolSchema
from retinue_anthropic import (
    FIRST_TURN_PLACEHOLDER,
    JSON_INSTRUCTION,
    STRUCTURED_OUTPUT_TOOL,
    AnthropicChatCompletionClient,
)
from retinue_anthropic.testing import (
    messages_response,
    messages_stream,
    text,
    thinking,
    tool_use,
)

from .conftest import TEST_KEY

MakeClient = Callable[..., AnthropicChatCompletionClient]

WEATHER: ToolSchema = {
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
TIME: ToolSchema = {"name": "get_time", "description": "The current time"}


async def collect(client: AnthropicChatCompletionClient, *args: Any, **kwargs: Any) -> list[Any]:
    return [item async for item in client.create_stream(*args, **kwargs)]


async def test_system_prompt_is_top_level_and_key_is_sent(
    wire: WireServer, make_client: MakeClient
) -> None:
    wire.enqueue(messages_response("Hi!"))
    client = make_client(temperature=0.2, top_k=5, stop_sequences=["END"])
    result = await client.create([SystemMessage(content="Be brief."), UserMessage(content="Hello")])
    assert result.content == "Hi!" and result.finish_reason == "stop"
    request = wire.last_request
    assert request.path == "/v1/messages"
    assert TEST_KEY in (
        request.headers.get("x-api-key", "") + request.headers.get("authorization", "")
    )
    assert request.json == {
        "model": "claude-sonnet-5",
        "max_tokens": 4096,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}]}],
        "temperature": 0.2,
        "top_k": 5,
        "stop_sequences": ["END"],
    }


async def test_message_order_is_repaired(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(messages_response("ok"))
    await make_client().create(
        [
            AssistantMessage(content="I speak first"),
            SystemMessage(content="rule one"),
            UserMessage(content="a", source="alice"),
            UserMessage(content="b", source="bob"),
            SystemMessage(content="rule two"),
            AssistantMessage(content=""),
        ]
    )
    body = wire.last_request.json
    assert body["system"] == "rule one\n\nrule two"
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": FIRST_TURN_PLACEHOLDER}]},
        {"role": "assistant", "content": [{"type": "text", "text": "I speak first"}]},
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "(empty message)"}]},
    ]


async def test_tool_calls_and_results_round_trip(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(messages_response("It is sunny."))
    calls = [
        FunctionCall(id="toolu_1", name="get_weather", arguments='{"city": "Paris"}'),
        FunctionCall(id="toolu_2", name="get_time", arguments=""),
    ]
    await make_client().create(
        [
            UserMessage(content="Weather and time?"),
            AssistantMessage(content=calls, thought="Let me check."),
            FunctionExecutionResultMessage(
                content=[
                    FunctionExecutionResult(content="sunny", name="get_weather", call_id="toolu_1"),
                    FunctionExecutionResult(
                        content="boom", name="get_time", call_id="toolu_2", is_error=True
                    ),
                ]
            ),
            UserMessage(content="Thanks"),
        ],
        tools=[WEATHER, TIME],
    )
    messages = wire.last_request.json["messages"]
    assert messages[1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Let me check."},
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
            {"type": "tool_use", "id": "toolu_2", "name": "get_time", "input": {}},
        ],
    }
    assert messages[2] == {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "toolu_1",
                "content": "sunny",
                "is_error": False,
            },
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "boom", "is_error": True},
            {"type": "text", "text": "Thanks"},
        ],
    }


async def test_orphaned_results_and_unanswered_calls_are_fixed(
    wire: WireServer, make_client: MakeClient
) -> None:
    wire.enqueue(messages_response("ok"))
    await make_client().create(
        [
            FunctionExecutionResultMessage(
                content=[FunctionExecutionResult(content="42", name="calc", call_id="old_call")]
            ),
            AssistantMessage(
                content=[FunctionCall(id="toolu_9", name="calc", arguments="{not json")]
            ),
            UserMessage(content="never mind"),
        ]
    )
    messages = wire.last_request.json["messages"]
    assert messages[0]["content"] == [
        {"type": "text", "text": "Result of tool 'calc' (call old_call): 42"}
    ]
    assert messages[1]["content"] == [
        {"type": "tool_use", "id": "toolu_9", "name": "calc", "input": {"_raw": "{not json"}}
    ]
    assert messages[2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_9",
        "content": "No result was recorded for this tool call.",
        "is_error": True,
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", None),
        ("required", {"type": "any"}),
        ("none", {"type": "none"}),
    ],
)
async def test_tools_and_tool_choice(
    wire: WireServer, make_client: MakeClient, choice: Any, expected: Any
) -> None:
    wire.enqueue(messages_response("ok"))
    await make_client().create(
        [UserMessage(content="hi")], tools=[WEATHER, TIME], tool_choice=choice
    )
    body = wire.last_request.json
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather for a city",
            "input_schema": WEATHER["parameters"],
        },
        {
            "name": "get_time",
            "description": "The current time",
            "input_schema": {"type": "object", "properties": {}},
        },
    ]
    assert body.get("tool_choice") == expected


async def test_tool_choice_naming_a_tool(wire: WireServer, make_client: MakeClient) -> None:
    from retinue.tools import Tool

    class Weather(Tool):
        name = "get_weather"  # type: ignore[assignment]
        description = "Weather for a city"  # type: ignore[assignment]
        schema = WEATHER  # type: ignore[assignment]

        def args_type(self) -> type[BaseModel]:
            return BaseModel

        def return_type(self) -> type[Any]:
            return str

        async def run_json(self, args: Any, cancellation_token: Any, call_id: Any = None) -> Any:
            return "sunny"

    tool = Weather()
    wire.enqueue(messages_response("ok"))
    await make_client().create([UserMessage(content="hi")], tools=[tool], tool_choice=tool)
    assert wire.last_request.json["tool_choice"] == {"type": "tool", "name": "get_weather"}


async def test_parallel_tool_calls_in_the_answer(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(
        messages_response(
            [
                text("Checking both."),
                tool_use("get_weather", {"city": "Paris"}, id="toolu_a"),
                tool_use("get_weather", {"city": "Rome"}, id="toolu_b"),
            ],
            stop_reason="tool_use",
        )
    )
    result = await make_client().create([UserMessage(content="Paris and Rome?")], tools=[WEATHER])
    assert result.finish_reason == "function_calls"
    assert result.content == [
        FunctionCall(id="toolu_a", name="get_weather", arguments='{"city": "Paris"}'),
        FunctionCall(id="toolu_b", name="get_weather", arguments='{"city": "Rome"}'),
    ]
    assert result.thought == "Checking both."


async def test_streamed_parallel_tool_calls(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(
        messages_stream(
            [
                tool_use("get_weather", {"city": "Paris"}, id="toolu_a"),
                tool_use("get_weather", {"city": "Rome, Italy"}, id="toolu_b"),
            ],
            stop_reason="tool_use",
            chunk_size=3,
        )
    )
    items = await collect(make_client(), [UserMessage(content="?")], tools=[WEATHER])
    assert len(items) == 1  # tool arguments are not text chunks
    result = items[0]
    assert isinstance(result, CreateResult) and result.finish_reason == "function_calls"
    assert [json.loads(c.arguments) for c in result.content] == [  # type: ignore[union-attr]
        {"city": "Paris"},
        {"city": "Rome, Italy"},
    ]
    assert wire.last_request.json["stream"] is True


async def test_images_are_sent_as_base64_blocks(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(messages_response("a red dot"))
    image = Image.from_bytes(b"\x89PNG fake", "image/png")
    await make_client().create([UserMessage(content=["What is this?", image])])
    assert wire.last_request.json["messages"][0]["content"] == [
        {"type": "text", "text": "What is this?"},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": image.data},
        },
    ]


async def test_extended_thinking_becomes_thought(wire: WireServer, make_client: MakeClient) -> None:
    budget = {"type": "enabled", "budget_tokens": 2048}
    client = make_client(thinking=budget, max_tokens=8000)
    wire.enqueue(messages_response([thinking("Let me think."), text("42")]))
    wire.enqueue(messages_stream([thinking("Streaming thoughts."), text("43")]))
    result = await client.create([UserMessage(content="Answer?")])
    assert (result.content, result.thought) == ("42", "Let me think.")
    assert wire.requests[0].json["thinking"] == budget
    items = await collect(client, [UserMessage(content="Again?")])
    assert "".join(i for i in items[:-1]) == "43"
    assert items[-1].thought == "Streaming thoughts."


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("refusal", "content_filter"),
        ("something_new", "unknown"),
    ],
)
async def test_stop_reasons(
    wire: WireServer, make_client: MakeClient, stop_reason: str, finish: str
) -> None:
    wire.enqueue(messages_response("text", stop_reason=stop_reason))
    wire.enqueue(messages_stream("text", stop_reason=stop_reason))
    client = make_client()
    assert (await client.create([UserMessage(content="x")])).finish_reason == finish
    assert (await collect(client, [UserMessage(content="x")]))[-1].finish_reason == finish


async def test_usage_with_cache_tokens(wire: WireServer, make_client: MakeClient) -> None:
    usage = {
        "input_tokens": 100,
        "output_tokens": 20,
        "cache_creation_input_tokens": 30,
        "cache_read_input_tokens": 50,
    }
    wire.enqueue(messages_response("a", **usage))
    wire.enqueue(messages_stream("b", **usage))
    client = make_client()
    first = await client.create([UserMessage(content="x")])
    assert (first.usage.prompt_tokens, first.usage.completion_tokens) == (180, 20)
    assert first.usage.cached_prompt_tokens == 50
    assert client.actual_usage() == first.usage
    second = (await collect(client, [UserMessage(content="x")]))[-1]
    assert second.usage == first.usage  # input from message_start, output from message_delta
    total = client.total_usage()
    assert (total.prompt_tokens, total.completion_tokens, total.cached_prompt_tokens) == (
        360,
        40,
        100,
    )


class Verdict(BaseModel):
    answer: str
    confidence: float


async def test_structured_output_forces_a_synthetic_tool(
    wire: WireServer, make_client: MakeClient
) -> None:
    verdict = {"answer": "yes", "confidence": 0.9}
    wire.enqueue(
        messages_response([tool_use(STRUCTURED_OUTPUT_TOOL, verdict)], stop_reason="tool_use")
    )
    wire.enqueue(
        messages_stream([tool_use(STRUCTURED_OUTPUT_TOOL, verdict)], stop_reason="tool_use")
    )
    client = make_client()
    result = await client.create([UserMessage(content="Is it?")], json_output=Verdict)
    assert result.finish_reason == "stop"
    assert Verdict.model_validate_json(result.content) == Verdict(**verdict)  # type: ignore[arg-type]
    body = wire.requests[0].json
    assert body["tool_choice"] == {"type": "tool", "name": STRUCTURED_OUTPUT_TOOL}
    assert body["tools"][0]["input_schema"] == Verdict.model_json_schema()
    items = await collect(client, [UserMessage(content="Is it?")], json_output=Verdict)
    assert "".join(items[:-1]) == items[-1].content
    assert Verdict.model_validate_json(items[-1].content) == Verdict(**verdict)


async def test_structured_output_with_other_tools_is_not_forced(
    wire: WireServer, make_client: MakeClient
) -> None:
    wire.enqueue(messages_response("ok"))
    await make_client().create([UserMessage(content="x")], tools=[WEATHER], json_output=Verdict)
    body = wire.last_request.json
    assert "tool_choice" not in body
    assert [t["name"] for t in body["tools"]] == ["get_weather", STRUCTURED_OUTPUT_TOOL]
    assert STRUCTURED_OUTPUT_TOOL in body["system"]


async def test_json_mode_adds_an_instruction(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(messages_response('{"a": 1}'))
    result = await make_client().create(
        [SystemMessage(content="You grade."), UserMessage(content="x")], json_output=True
    )
    assert json.loads(result.content) == {"a": 1}  # type: ignore[arg-type]
    assert wire.last_request.json["system"] == "You grade.\n\n" + JSON_INSTRUCTION


async def test_extra_create_args_reach_the_body(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(messages_response("ok"))
    await make_client().create(
        [UserMessage(content="x")],
        extra_create_args={"max_tokens": 10, "a_future_api_field": {"on": True}},
    )
    body = wire.last_request.json
    assert body["max_tokens"] == 10
    assert body["a_future_api_field"] == {"on": True}


async def test_streamed_text_chunks_join_to_the_content(
    wire: WireServer, make_client: MakeClient
) -> None:
    wire.enqueue(messages_stream("The quick brown fox.", chunk_size=5))
    items = await collect(make_client(), [UserMessage(content="x")])
    assert items[:-1] == ["The q", "uick ", "brown", " fox."]
    assert items[-1].content == "The quick brown fox." and items[-1].finish_reason == "stop"
