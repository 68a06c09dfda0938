"""Failures on the wire surface as retinue errors naming provider, model and what to do."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from retinue import (
    CancellationToken,
    CancelledError,
    ConfigurationError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelContentFilterError,
    ModelNotFoundError,
    ModelRateLimitError,
    ModelResponseError,
    ModelTimeoutError,
    RetinueError,
    SecretNotFoundError,
    load_component,
)
from retinue.models import Image, UserMessage
from retinue.testing._registry import isolated_registry
from retinue.testing.wire import CloseConnection, JSONResponse, SSEResponse, Stall, WireServer
from retinue_anthropic import AnthropicChatCompletionClient, plugin
from retinue_anthropic.testing import (
    error_event,
    error_response,
    messages_response,
    messages_stream,
    text,
    tool_use,
)

from .conftest import TEST_KEY

MakeClient = Callable[..., AnthropicChatCompletionClient]
HELLO = [UserMessage(content="hello")]


async def drain(client: AnthropicChatCompletionClient, **kwargs: object) -> list[object]:
    return [item async for item in client.create_stream(HELLO, **kwargs)]  # type: ignore[arg-type]


def assert_names_the_call(error: RetinueError) -> None:
    text = str(error)
    assert "'anthropic'" in text and "'claude-sonnet-5'" in text
    assert TEST_KEY not in text and TEST_KEY[:12] not in text


async def test_rate_limit_then_success_is_retried(
    wire: WireServer, make_client: MakeClient
) -> None:
    wire.enqueue(error_response("rate_limit_error"), error_response("overloaded_error"))
    wire.enqueue(messages_response("finally"))
    result = await make_client(max_retries=2).create(HELLO)
    assert result.content == "finally"
    assert len(wire.requests) == 3


async def test_a_retry_waits_as_long_as_the_servers_retry_after(
    wire: WireServer, make_client: MakeClient
) -> None:
    # Without the header the SDK's own first backoff is at most 0.5 s, so a gap of the
    # full two seconds shows the server-directed delay was the one honoured.
    wire.enqueue(error_response("rate_limit_error", headers={"retry-after": "2"}))
    wire.enqueue(messages_response("after the wait"))
    result = await make_client(max_retries=1).create(HELLO)
    assert result.content == "after the wait"
    first, second = wire.requests
    assert second.received_at - first.received_at >= 2.0


async def test_connection_drop_then_success_is_retried(
    wire: WireServer, make_client: MakeClient
) -> None:
    wire.enqueue(CloseConnection(), messages_response("back"))
    assert (await make_client(max_retries=1).create(HELLO)).content == "back"


async def test_rate_limit_after_every_retry(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(*[error_response("rate_limit_error", "slow down") for _ in range(3)])
    with pytest.raises(ModelRateLimitError) as caught:
        await make_client(max_retries=2).create(HELLO)
    assert len(wire.requests) == 3
    assert_names_the_call(caught.value)
    assert caught.value.status_code == 429


async def test_server_error_after_every_retry(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(*[error_response("api_error", "internal") for _ in range(2)])
    with pytest.raises(ModelResponseError, match="HTTP 500"):
        await make_client(max_retries=1).create(HELLO)


async def test_invalid_key_is_an_authentication_error_without_the_key(
    wire: WireServer, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wire.enqueue(error_response("authentication_error", f"invalid x-api-key {TEST_KEY}"))
    with pytest.raises(ModelAuthenticationError) as caught:
        await make_client().create(HELLO)
    assert_names_the_call(caught.value)
    assert "ANTHROPIC_API_KEY" in str(caught.value)
    assert TEST_KEY not in caplog.text


async def test_unknown_model_is_not_found(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(error_response("not_found_error", "model: claude-sonnet-5"))
    with pytest.raises(ModelNotFoundError) as caught:
        await make_client().create(HELLO)
    assert_names_the_call(caught.value)
    assert "model" in caught.value.todo


async def test_content_policy_refusal_is_a_content_filter_error(
    wire: WireServer, make_client: MakeClient
) -> None:
    wire.enqueue(
        error_response("invalid_request_error", "Output blocked by content filtering policy")
    )
    with pytest.raises(ModelContentFilterError):
        await make_client().create(HELLO)


async def test_stall_is_a_timeout(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(Stall(10))
    with pytest.raises(ModelTimeoutError) as caught:
        await make_client(timeout=0.5).create(HELLO)
    assert_names_the_call(caught.value)


async def test_stall_mid_stream_is_a_timeout(wire: WireServer, make_client: MakeClient) -> None:
    stream = messages_stream("slow")
    stream.events[3].delay = 10
    wire.enqueue(stream)
    with pytest.raises(ModelTimeoutError):
        await drain(make_client(timeout=0.5))


async def test_cancellation_aborts_the_request(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(Stall(30, messages_response("too late")))
    token = CancellationToken()
    call = asyncio.ensure_future(make_client().create(HELLO, cancellation_token=token))
    while not wire.requests:
        await asyncio.sleep(0.02)
    token.cancel()
    with pytest.raises(CancelledError, match="cancelled"):
        await call
    assert wire.wait_for_disconnect(5), "the HTTP request must be closed on cancellation"


async def test_cancellation_mid_stream(wire: WireServer, make_client: MakeClient) -> None:
    stream = messages_stream("one two three four", chunk_size=4)
    for event in stream.events[4:]:
        event.delay = 30
    wire.enqueue(stream)
    token = CancellationToken()
    client = make_client()
    seen: list[object] = []

    async def consume() -> None:
        async for item in client.create_stream(HELLO, cancellation_token=token):
            seen.append(item)
            token.cancel()

    with pytest.raises(CancelledError):
        await consume()
    assert seen == ["one "]
    assert wire.wait_for_disconnect(5)


async def test_connection_closed_mid_stream(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(messages_stream("a long answer", close_after=5))
    with pytest.raises(ModelResponseError, match="cut off") as caught:
        await drain(make_client())
    assert_names_the_call(caught.value)


async def test_stream_without_message_stop_is_truncated(
    wire: WireServer, make_client: MakeClient
) -> None:
    stream = messages_stream("partial")
    wire.enqueue(SSEResponse(stream.events[:-2]))
    with pytest.raises(ModelResponseError, match="truncated"):
        await drain(make_client())


async def test_malformed_tool_json_in_a_stream(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(
        messages_stream([tool_use("get_weather", raw_json='{"city": "Par')], stop_reason="tool_use")
    )
    with pytest.raises(ModelResponseError, match="'get_weather' has malformed JSON") as caught:
        await drain(make_client())
    assert "max_tokens" in caught.value.todo


async def test_error_event_inside_a_stream(wire: WireServer, make_client: MakeClient) -> None:
    stream = messages_stream("hi")
    wire.enqueue(SSEResponse([*stream.events[:3], error_event("overloaded_error", "Overloaded")]))
    with pytest.raises(ModelResponseError, match="overloaded"):
        await drain(make_client())


async def test_error_event_after_text_was_streamed(
    wire: WireServer, make_client: MakeClient
) -> None:
    # The API can fail after text went out: the caller got chunks, then a typed error.
    stream = messages_stream("Hello there, friend", chunk_size=5)
    head = [e for e in stream.events if e.event != "message_stop"][:6]
    wire.enqueue(SSEResponse([*head, error_event("api_error", "Internal server error")]))
    received: list[object] = []
    with pytest.raises(ModelResponseError, match="Internal server error"):
        async for item in make_client().create_stream(HELLO):
            received.append(item)
    assert received and all(isinstance(item, str) for item in received)


async def test_unreadable_body_is_a_response_error(
    wire: WireServer, make_client: MakeClient
) -> None:
    wire.enqueue(JSONResponse("not a message", status=502, headers={"retry-after": "0"}))
    with pytest.raises(ModelResponseError, match="HTTP 502"):
        await make_client().create(HELLO)


async def test_unreachable_server_is_a_connection_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with WireServer() as server:
        base_url = server.base_url
    client = AnthropicChatCompletionClient(
        "claude-sonnet-5", api_key="k" * 20, base_url=base_url, max_retries=0
    )
    with pytest.raises(ModelConnectionError, match="could not reach"):
        await client.create(HELLO)
    await client.close()


async def test_client_keeps_working_after_a_failure(
    wire: WireServer, make_client: MakeClient
) -> None:
    wire.enqueue(error_response("invalid_request_error", "messages: bad"), messages_response("ok"))
    client = make_client()
    with pytest.raises(ModelResponseError, match="HTTP 400"):
        await client.create(HELLO)
    assert (await client.create(HELLO)).content == "ok"


async def test_images_for_a_text_only_model_are_refused_before_sending(
    wire: WireServer, make_client: MakeClient
) -> None:
    info = {"vision": False, "function_calling": True, "json_output": True, "family": "unknown"}
    client = make_client("my-text-model", model_info=info)
    with pytest.raises(ConfigurationError, match="images") as caught:
        await client.create([UserMessage(content=["look", Image.from_bytes(b"x")])])
    assert "'my-text-model'" in str(caught.value)
    assert wire.requests == []


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ANTHROPIC_API_KEY") as caught:
        AnthropicChatCompletionClient("claude-sonnet-5")
    assert "'claude-sonnet-5'" in str(caught.value)


async def test_spec_with_a_missing_environment_variable_fails_at_first_create(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    spec = {
        "provider": "anthropic",
        "config": {"model": "claude-sonnet-5", "api_key": {"env": "ANTHROPIC_API_KEY"}},
    }
    client = load_component(spec, registry=isolated_registry(plugin))
    assert client.dump_component().config["api_key"] == {"env": "ANTHROPIC_API_KEY"}
    with pytest.raises(SecretNotFoundError, match="export ANTHROPIC_API_KEY"):
        await client.create([UserMessage(content="hi", source="user")])


def test_masked_autogen_key_reads_as_the_standard_variable() -> None:
    spec = {
        "provider": "autogen_ext.models.anthropic.AnthropicChatCompletionClient",
        "component_type": "model",
        "config": {"model": "claude-sonnet-5", "api_key": "**********"},
    }
    client = load_component(spec, registry=isolated_registry(plugin))
    assert client.dump_component().config["api_key"] == {"env": "ANTHROPIC_API_KEY"}


def test_unknown_non_claude_model_needs_model_info(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    with pytest.raises(ConfigurationError, match="model_info"):
        AnthropicChatCompletionClient("gpt-4o")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_tokens": 0}, "max_tokens must be at least 1"),
        (
            {"max_tokens": 1000, "thinking": {"type": "enabled", "budget_tokens": 2000}},
            "larger than thinking.budget_tokens",
        ),
        ({"model_info": {"vision": True}}, "model_info is missing"),
    ],
)
def test_bad_settings(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, object], message: str
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    with pytest.raises(ConfigurationError, match=message):
        AnthropicChatCompletionClient("claude-sonnet-5", **kwargs)  # type: ignore[arg-type]


async def test_bad_call_arguments(wire: WireServer, make_client: MakeClient) -> None:
    client = make_client()
    with pytest.raises(ConfigurationError, match="at least one message"):
        await client.create([])
    with pytest.raises(ConfigurationError, match="json_output must be"):
        await client.create(HELLO, json_output="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="tool_choice must be"):
        await client.create(HELLO, tools=[{"name": "t"}], tool_choice="always")  # type: ignore[arg-type]
    assert wire.requests == []


async def test_closed_client_refuses_calls(wire: WireServer, make_client: MakeClient) -> None:
    wire.enqueue(messages_response([text("hi")]))
    client = make_client()
    await client.create(HELLO)
    await client.close()
    with pytest.raises(ConfigurationError, match="closed"):
        await client.create(HELLO)


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
@pytest.mark.parametrize("kind", ["invalid_request_error", "not_found_error", "api_error"])
async def test_a_key_quoted_in_any_error_body_is_redacted(
    wire: WireServer, make_client: MakeClient, kind: str, stream: bool
) -> None:
    wire.enqueue(error_response(kind, f"request made with key {TEST_KEY} was refused"))
    client = make_client()
    with pytest.raises(RetinueError) as caught:
        if stream:
            await drain(client)
        else:
            await client.create(HELLO)
    text = str(caught.value)
    assert "was refused" in text, "the server's explanation is kept"
    assert TEST_KEY not in text and TEST_KEY[:12] not in text
