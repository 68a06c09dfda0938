"""The Gemini client against a local server speaking Gemini's OpenAI-compatible dialect."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import pytest
import retinue_gemini.plugin
from retinue import (
    ConfigurationError,
    ModelAuthenticationError,
    ModelClientError,
    ModelRateLimitError,
    load_component,
)
from retinue.models import CreateResult, FunctionCall, SystemMessage, UserMessage
from retinue.testing import isolated_registry
from retinue_gemini import GeminiChatCompletionClient
from retinue_gemini.testing import GeminiWireServer, gemini_error, gemini_stream_with_tool_calls
from retinue_openai.testing import OpenAIWireServer, chat_completion, chat_completion_stream

KEY = "AIzaSyTEST-gemini-key-0123456789"
WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


@pytest.fixture
def server() -> Iterator[OpenAIWireServer]:
    # Gemini's path and its request rules, so a request Gemini would refuse fails here.
    with GeminiWireServer() as wire:
        yield wire


@pytest.fixture
async def client(server: OpenAIWireServer) -> AsyncIterator[GeminiChatCompletionClient]:
    client = GeminiChatCompletionClient("gemini-2.5-flash", api_key=KEY, base_url=server.base_url)
    yield client
    await client.close()


async def test_sends_openai_shaped_requests_without_message_names(
    server: OpenAIWireServer, client: GeminiChatCompletionClient
) -> None:
    server.enqueue(chat_completion("Hi from Gemini", model="gemini-2.5-flash"))
    result = await client.create(
        [SystemMessage(content="Be nice."), UserMessage(content="Hello", source="bob")]
    )
    assert result.content == "Hi from Gemini"
    sent = server.last_request
    assert sent.path == "/v1beta/openai/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json["messages"] == [
        {"role": "system", "content": "Be nice."},
        {"role": "user", "content": "Hello"},
    ]


async def test_tool_calls_with_finish_reason_stop_are_tool_calls(
    server: OpenAIWireServer, client: GeminiChatCompletionClient
) -> None:
    response = chat_completion(finish_reason="stop", model="gemini-2.5-flash")
    response.body["choices"][0]["message"]["tool_calls"] = [
        {"id": "", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    ]
    server.enqueue(response)
    result = await client.create([UserMessage(content="?")], tools=[WEATHER])  # type: ignore[list-item]
    assert result.finish_reason == "function_calls"
    assert isinstance(result.content, list)
    assert result.content[0].name == "get_weather"
    assert result.content[0].id  # an id is made up when Gemini sends none


async def test_streamed_parallel_tool_calls_without_index(
    server: OpenAIWireServer, client: GeminiChatCompletionClient
) -> None:
    server.enqueue(
        gemini_stream_with_tool_calls(
            [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})],
            prompt_tokens=30,
            completion_tokens=9,
        )
    )
    items = [i async for i in client.create_stream([UserMessage(content="?")], tools=[WEATHER])]  # type: ignore[list-item]
    result = items[-1]
    assert isinstance(result, CreateResult)
    assert result.finish_reason == "function_calls"
    assert isinstance(result.content, list)
    assert [(c.name, c.arguments) for c in result.content] == [
        ("get_weather", '{"city": "Paris"}'),
        ("get_weather", '{"city": "Rome"}'),
    ]
    assert all(isinstance(c, FunctionCall) and c.id for c in result.content)
    assert len({c.id for c in result.content}) == 2
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (30, 9)


async def test_thought_tags_become_the_thought(
    server: OpenAIWireServer, client: GeminiChatCompletionClient
) -> None:
    server.enqueue(chat_completion_stream(["<thought>Paris is the capital.</thought>", "Paris"]))
    items = [i async for i in client.create_stream([UserMessage(content="Capital of France?")])]
    result = items[-1]
    assert isinstance(result, CreateResult)
    assert (result.content, result.thought) == ("Paris", "Paris is the capital.")


async def test_bad_key_answered_with_400_is_an_authentication_error(
    server: OpenAIWireServer, client: GeminiChatCompletionClient
) -> None:
    server.enqueue(
        gemini_error(
            400, "API key not valid. Please pass a valid API key.", reason="API_KEY_INVALID"
        )
    )
    with pytest.raises(ModelAuthenticationError, match="GEMINI_API_KEY") as caught:
        await client.create([UserMessage(content="hi")])
    text = str(caught.value)
    assert "provider 'gemini'" in text and "model 'gemini-2.5-flash'" in text
    assert KEY not in text


async def test_list_wrapped_errors_are_unwrapped(server: OpenAIWireServer) -> None:
    client = GeminiChatCompletionClient(
        "gemini-2.5-flash", api_key=KEY, base_url=server.base_url, max_retries=0
    )
    server.enqueue(gemini_error(429, "Resource has been exhausted (e.g. check quota)."))
    with pytest.raises(ModelRateLimitError, match="Resource has been exhausted"):
        await client.create([UserMessage(content="hi")])


def test_known_models_and_default_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    client = GeminiChatCompletionClient("gemini-2.5-pro")
    assert client.model_info["family"] == "gemini-2.5-pro"
    assert client.model_info["vision"] is True
    assert GeminiChatCompletionClient("gemini-2.0-flash-lite-001").model_info["family"] == (
        "gemini-2.0-flash"
    )
    spec = client.dump_component()
    assert spec.provider == "gemini"
    # Google's documented OpenAI-compatible endpoint, written out: not the constant itself.
    assert spec.config["base_url"] == "https://generativelanguage.googleapis.com/v1beta/openai/"
    # ...and the SDK the client builds sends its requests there.
    assert str(client._make_sdk_client().base_url) == spec.config["base_url"]
    assert spec.config["api_key"] == {"env": "GEMINI_API_KEY"}


def test_unknown_gemini_model_on_google_asks_for_model_info(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    with pytest.raises(ConfigurationError, match=r"'gemini'.*'gemini-9-ultra'.*model_info"):
        GeminiChatCompletionClient("gemini-9-ultra")


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="GEMINI_API_KEY"):
        GeminiChatCompletionClient("gemini-2.5-flash")


def test_spec_loads_through_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    import retinue_openai.plugin

    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    registry = isolated_registry(retinue_openai.plugin, retinue_gemini.plugin)
    spec = {"provider": "gemini", "config": {"model": "gemini-2.5-flash"}}
    client = load_component(spec, registry=registry)
    assert isinstance(client, GeminiChatCompletionClient)
    masked = {"provider": "gemini", "config": {"model": "gemini-2.5-flash", "api_key": "****"}}
    loaded = load_component(masked, registry=registry)
    assert loaded.dump_component().config["api_key"] == {"env": "GEMINI_API_KEY"}


def test_import_does_not_load_the_sdk() -> None:
    code = "import sys, retinue_gemini, retinue_gemini.plugin; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
@pytest.mark.parametrize("status", [400, 404, 500])
async def test_a_key_quoted_in_any_error_body_is_redacted(
    server: OpenAIWireServer, status: int, stream: bool
) -> None:
    client = GeminiChatCompletionClient(
        "gemini-2.5-flash", api_key=KEY, base_url=server.base_url, max_retries=0
    )
    server.enqueue(gemini_error(status, f"request made with key {KEY} was refused"))
    with pytest.raises(ModelClientError) as caught:
        if stream:
            [item async for item in client.create_stream([UserMessage(content="hi")])]
        else:
            await client.create([UserMessage(content="hi")])
    text = str(caught.value)
    assert "was refused" in text, "the server's explanation is kept"
    assert KEY not in text
