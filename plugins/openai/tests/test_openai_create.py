"""``create`` against a local server speaking OpenAI's API: what we send, what we return."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from retinue import ConfigurationError
from retinue.models import (
    AssistantMessage,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    Image,
    SystemMessage,
    UserMessage,
)
from retinue.tools import ToolSchema
from retinue_openai import OpenAIChatCompletionClient
from retinue_openai.testing import OpenAIWireServer, chat_completion, tool_call, usage

from .conftest import TEST_KEY

WEATHER: ToolSchema = {
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
TIME: ToolSchema = {"name": "get_time", "description": "Current time"}


async def test_sends_every_message_role_and_returns_text(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion("Paris is sunny."))
    history = [
        SystemMessage(content="Be brief."),
        UserMessage(content="Weather in Paris?", source="alice smith"),
        AssistantMessage(
            content=[FunctionCall(id="c1", name="get_weather", arguments='{"city":"Paris"}')],
            thought="I should look it up.",
        ),
        FunctionExecutionResultMessage(
            content=[FunctionExecutionResult(content="sunny", name="get_weather", call_id="c1")]
        ),
        AssistantMessage(content="It is sunny."),
    ]
    result = await client.create(history)

    assert result.content == "Paris is sunny."
    assert result.finish_reason == "stop"
    sent = server.last_request
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert sent.json["model"] == "gpt-4o"
    assert sent.json["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?", "name": "alice_smith"},
        {
            "role": "assistant",
            "content": "I should look it up.",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "assistant", "content": "It is sunny."},
    ]
    assert "tools" not in sent.json


async def test_images_are_sent_as_data_uris(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion("A red pixel."))
    image = Image.from_bytes(b"\x89PNG fake", "image/png")
    await client.create([UserMessage(content=["What is this?", image])])
    content = server.last_request.json["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": image.data_uri}},
    ]


async def test_images_for_a_non_vision_model_fail_before_any_request(
    server: OpenAIWireServer,
) -> None:
    client = OpenAIChatCompletionClient("gpt-3.5-turbo", api_key=TEST_KEY, base_url=server.base_url)
    image = Image.from_bytes(b"img")
    with pytest.raises(ConfigurationError, match=r"gpt-3\.5-turbo.*images.*vision"):
        await client.create([UserMessage(content=["look", image])])
    assert server.requests == []
    server.enqueue(chat_completion("still works"))
    assert (await client.create([UserMessage(content="hi")])).content == "still works"


async def test_parallel_tool_calls_and_tool_choice(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(
        chat_completion(
            tool_calls=[
                tool_call("get_weather", {"city": "Paris"}, id="call_a"),
                tool_call("get_weather", {"city": "Rome"}, id="call_b"),
            ]
        )
    )
    result = await client.create(
        [UserMessage(content="Paris and Rome?")], tools=[WEATHER, TIME], tool_choice="required"
    )
    assert result.finish_reason == "function_calls"
    assert result.content == [
        FunctionCall(id="call_a", name="get_weather", arguments='{"city": "Paris"}'),
        FunctionCall(id="call_b", name="get_weather", arguments='{"city": "Rome"}'),
    ]
    sent = server.last_request.json
    assert sent["tool_choice"] == "required"
    assert sent["tools"][0] == {"type": "function", "function": WEATHER}
    assert sent["tools"][1]["function"]["parameters"] == {
        "type": "object",
        "properties": {},
        "required": [],
    }


async def test_tool_choice_naming_a_tool_not_passed_is_refused(
    client: OpenAIChatCompletionClient,
) -> None:
    from retinue.tools import FunctionTool

    def get_time() -> str:
        """Current time."""
        return "noon"

    tool = FunctionTool(get_time, description="Current time")
    with pytest.raises(ConfigurationError, match="get_time"):
        await client.create([UserMessage(content="x")], tools=[WEATHER], tool_choice=tool)


async def test_forcing_one_tool(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    from retinue.tools import FunctionTool

    def get_weather(city: str) -> str:
        """Weather for a city."""
        return "sunny"

    tool = FunctionTool(get_weather, description="Weather for a city")
    server.enqueue(chat_completion(tool_calls=[tool_call("get_weather", {"city": "Oslo"})]))
    await client.create([UserMessage(content="Oslo?")], tools=[tool], tool_choice=tool)
    sent = server.last_request.json
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert sent["tools"][0]["function"]["name"] == "get_weather"


async def test_malformed_tool_arguments_are_returned_raw_not_raised(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion(tool_calls=[tool_call("get_weather", '{"city": "Par', id="c")]))
    result = await client.create([UserMessage(content="?")], tools=[WEATHER])
    assert result.content == [FunctionCall(id="c", name="get_weather", arguments='{"city": "Par')]


async def test_json_mode(server: OpenAIWireServer, client: OpenAIChatCompletionClient) -> None:
    server.enqueue(chat_completion('{"answer": 42}'))
    result = await client.create([UserMessage(content="JSON please")], json_output=True)
    assert server.last_request.json["response_format"] == {"type": "json_object"}
    assert result.content == '{"answer": 42}'


class Person(BaseModel):
    name: str
    age: int


async def test_structured_output_sends_a_strict_schema(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(chat_completion('{"name": "Ada", "age": 36}'))
    result = await client.create([UserMessage(content="Who?")], json_output=Person)
    response_format = server.last_request.json["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Person"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "age"]
    assert isinstance(result.content, str)
    assert Person.model_validate_json(result.content) == Person(name="Ada", age=36)


async def test_structured_output_on_a_model_without_it_is_refused(
    server: OpenAIWireServer,
) -> None:
    client = OpenAIChatCompletionClient("gpt-4-turbo", api_key=TEST_KEY, base_url=server.base_url)
    with pytest.raises(ConfigurationError, match="structured output"):
        await client.create([UserMessage(content="x")], json_output=Person)


async def test_reasoning_model_gets_developer_role_and_reports_reasoning(
    server: OpenAIWireServer,
) -> None:
    client = OpenAIChatCompletionClient("o3-mini", api_key=TEST_KEY, base_url=server.base_url)
    server.enqueue(
        chat_completion(
            "42",
            model="o3-mini",
            usage=usage(20, 50, reasoning_tokens=40, cached_tokens=8),
        )
    )
    result = await client.create(
        [SystemMessage(content="Think hard."), UserMessage(content="6*7?")],
        extra_create_args={"reasoning_effort": "high"},
    )
    sent = server.last_request.json
    assert sent["messages"][0] == {"role": "developer", "content": "Think hard."}
    assert sent["reasoning_effort"] == "high"
    assert result.usage.reasoning_tokens == 40
    assert result.usage.cached_prompt_tokens == 8
    assert result.usage.completion_tokens == 50


async def test_reasoning_text_becomes_the_thought(server: OpenAIWireServer) -> None:
    client = OpenAIChatCompletionClient(
        "deepseek-reasoner", api_key=TEST_KEY, base_url=server.base_url
    )
    server.enqueue(chat_completion("4", reasoning_content="2 plus 2 is 4."))
    server.enqueue(chat_completion("<think>\nadd them\n</think>\n\nThe sum is 4."))
    first = await client.create([UserMessage(content="2+2?")])
    second = await client.create([UserMessage(content="2+2?")])
    assert (first.content, first.thought) == ("4", "2 plus 2 is 4.")
    assert (second.content, second.thought) == ("The sum is 4.", "add them")


@pytest.mark.parametrize(
    ("raw", "mapped"),
    [
        ("stop", "stop"),
        ("length", "length"),
        ("content_filter", "content_filter"),
        ("odd", "unknown"),
    ],
)
async def test_finish_reasons(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient, raw: str, mapped: str
) -> None:
    server.enqueue(chat_completion("partial", finish_reason=raw))
    assert (await client.create([UserMessage(content="x")])).finish_reason == mapped


async def test_usage_per_call_and_in_total(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(
        chat_completion("a", usage=usage(10, 2)), chat_completion("b", usage=usage(7, 3))
    )
    await client.create([UserMessage(content="1")])
    await client.create([UserMessage(content="2")])
    assert client.actual_usage().prompt_tokens == 7
    assert client.actual_usage().completion_tokens == 3
    assert client.total_usage().prompt_tokens == 17
    assert client.total_usage().completion_tokens == 5


async def test_create_args_from_construction_and_per_call(server: OpenAIWireServer) -> None:
    client = OpenAIChatCompletionClient(
        "gpt-4o", api_key=TEST_KEY, base_url=server.base_url, temperature=0.2, seed=7
    )
    server.enqueue(chat_completion("ok"))
    await client.create(
        [UserMessage(content="x")], extra_create_args={"temperature": 0.9, "top_p": 0.5}
    )
    sent = server.last_request.json
    assert (sent["temperature"], sent["seed"], sent["top_p"]) == (0.9, 7, 0.5)


def test_unknown_create_argument_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"temprature.*extra_create_args"):
        OpenAIChatCompletionClient("gpt-4o", api_key=TEST_KEY, temprature=0.1)


def test_unknown_model_on_openai_asks_for_model_info() -> None:
    with pytest.raises(ConfigurationError, match=r"'my-model'.*model_info="):
        OpenAIChatCompletionClient("my-model", api_key=TEST_KEY)


def test_unknown_model_on_a_compatible_server_gets_conservative_defaults(
    server: OpenAIWireServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = OpenAIChatCompletionClient("llama3.2", base_url=server.base_url)
    assert client.model_info["vision"] is False
    assert client.model_info["function_calling"] is True
    assert "model_info" in caplog.text


def test_known_models_and_dated_snapshots_have_model_info() -> None:
    for name, family in [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini", "gpt-4o"),
        ("gpt-4.1-nano", "gpt-41"),
        ("gpt-5.1", "gpt-5"),
        ("o4-mini-2025-04-16", "o4"),
        ("gpt-3.5-turbo-0125", "gpt-35"),
    ]:
        client = OpenAIChatCompletionClient(name, api_key=TEST_KEY)
        assert client.model_info["family"] == family, name


def test_invalid_model_info_is_refused_with_the_missing_keys() -> None:
    with pytest.raises(ConfigurationError, match="family"):
        OpenAIChatCompletionClient("x", api_key=TEST_KEY, model_info={"vision": True})


async def test_count_and_remaining_tokens_work_offline(client: OpenAIChatCompletionClient) -> None:
    messages = [SystemMessage(content="Be brief."), UserMessage(content="word " * 400)]
    count = client.count_tokens(messages, tools=[WEATHER])
    # ~2000 bytes of text is about 500 real tokens; the estimate errs high, within 50%.
    assert 500 <= count <= 750
    assert client.remaining_tokens(messages, tools=[WEATHER]) == 128_000 - count
    assert client.count_tokens(messages) < count


async def test_remaining_tokens_without_context_window_says_what_to_add(
    server: OpenAIWireServer,
) -> None:
    client = OpenAIChatCompletionClient("local-model", base_url=server.base_url)
    with pytest.raises(ConfigurationError, match="context_window"):
        client.remaining_tokens([UserMessage(content="x")])


async def test_closed_client_refuses_calls(server: OpenAIWireServer) -> None:
    client = OpenAIChatCompletionClient("gpt-4o", api_key=TEST_KEY, base_url=server.base_url)
    server.enqueue(chat_completion("hi"))
    await client.create([UserMessage(content="x")])
    await client.close()
    with pytest.raises(ConfigurationError, match="closed"):
        await client.create([UserMessage(content="x")])
