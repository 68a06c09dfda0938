"""Failures over the wire: each becomes a named retinue error, with retries, and no key leaks."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from retinue import (
    CancellationToken,
    CancelledError,
    ConfigurationError,
    ModelAuthenticationError,
    ModelClientError,
    ModelConnectionError,
    ModelContentFilterError,
    ModelNotFoundError,
    ModelRateLimitError,
    ModelResponseError,
    ModelTimeoutError,
    RetinueError,
)
from retinue.models import UserMessage
from retinue.testing.wire import CloseConnection, RawResponse, Stall
from retinue_openai import OpenAIChatCompletionClient
from retinue_openai.testing import OpenAIWireServer, chat_completion, openai_error

from .conftest import TEST_KEY

HELLO = [UserMessage(content="hello")]
FAST_RETRY = {"retry-after-ms": "5"}


def assert_names_provider_and_model(error: BaseException) -> None:
    assert isinstance(error, ModelClientError)
    text = str(error)
    assert "provider 'openai'" in text
    assert "model 'gpt-4o'" in text
    assert " \u2014 " in text  # what went wrong — what to do
    assert TEST_KEY not in text
    assert error.provider == "openai"  # type: ignore[attr-defined]
    assert error.model == "gpt-4o"  # type: ignore[attr-defined]


async def test_rate_limit_is_retried_then_succeeds(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(
        openai_error(429, "Rate limit reached", type="rate_limit_exceeded", headers=FAST_RETRY),
        openai_error(429, "Rate limit reached", type="rate_limit_exceeded", headers=FAST_RETRY),
        chat_completion("finally"),
    )
    result = await client.create(HELLO)
    assert result.content == "finally"
    assert len(server.requests) == 3


async def test_rate_limit_after_every_retry_raises_rate_limit_error(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(*[openai_error(429, "Rate limit reached", headers=FAST_RETRY)] * 3)
    with pytest.raises(ModelRateLimitError) as caught:
        await client.create(HELLO)
    assert len(server.requests) == 3  # first try + max_retries=2
    assert caught.value.status_code == 429
    assert_names_provider_and_model(caught.value)


async def test_server_errors_are_retried(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(
        openai_error(500, "boom", type="server_error", headers=FAST_RETRY),
        openai_error(503, "overloaded", type="server_error", headers=FAST_RETRY),
        chat_completion("recovered"),
    )
    assert (await client.create(HELLO)).content == "recovered"


async def test_persistent_server_error_is_a_response_error(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(*[openai_error(500, "boom", type="server_error", headers=FAST_RETRY)] * 3)
    with pytest.raises(ModelResponseError, match="HTTP 500") as caught:
        await client.create(HELLO)
    assert_names_provider_and_model(caught.value)


async def test_dropped_connections_are_retried_then_reported(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(CloseConnection(), chat_completion("second try"))
    assert (await client.create(HELLO)).content == "second try"
    server.enqueue(CloseConnection(), CloseConnection(), CloseConnection())
    with pytest.raises(ModelConnectionError) as caught:
        await client.create(HELLO)
    assert_names_provider_and_model(caught.value)


async def test_unreachable_server_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = OpenAIChatCompletionClient(
        "gpt-4o", api_key=TEST_KEY, base_url=f"http://127.0.0.1:{port}/v1", max_retries=0
    )
    with pytest.raises(ModelConnectionError, match="base_url"):
        await client.create(HELLO)


async def test_invalid_key_is_an_authentication_error_without_the_key(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient, caplog: pytest.LogCaptureFixture
) -> None:
    # OpenAI echoes part of the key back; none of it may reach our error or logs.
    server.enqueue(
        openai_error(401, f"Incorrect API key provided: {TEST_KEY}.", code="invalid_api_key")
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ModelAuthenticationError, match="OPENAI_API_KEY") as caught:
        await client.create(HELLO)
    assert_names_provider_and_model(caught.value)
    assert "Incorrect API key" not in str(caught.value)
    assert len(server.requests) == 1  # 401 is not retried
    assert TEST_KEY not in caplog.text
    assert TEST_KEY[3:] not in caplog.text


async def test_unknown_model_is_a_not_found_error(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(openai_error(404, "The model `gpt-4o` does not exist", code="model_not_found"))
    with pytest.raises(ModelNotFoundError, match="does not exist") as caught:
        await client.create(HELLO)
    assert_names_provider_and_model(caught.value)


async def test_content_policy_refusal_is_a_content_filter_error(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(
        openai_error(400, "Your request was rejected by the safety system", code="content_filter")
    )
    with pytest.raises(ModelContentFilterError) as caught:
        await client.create(HELLO)
    assert_names_provider_and_model(caught.value)


async def test_bad_request_says_to_check_the_arguments(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(openai_error(400, "Unrecognized request argument: foo"))
    with pytest.raises(ModelResponseError, match=r"foo.*check the request arguments"):
        await client.create(HELLO, extra_create_args={"foo": 1})


async def test_non_json_answer_is_a_response_error(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(RawResponse(b"<html>gateway</html>", status=502, headers={}))
    server.enqueue(RawResponse(b"<html>gateway</html>", status=502, headers={}))
    server.enqueue(RawResponse(b"<html>gateway</html>", status=502, headers={}))
    with pytest.raises(ModelResponseError, match="502"):
        await client.create(HELLO)


async def test_stalling_server_times_out(server: OpenAIWireServer) -> None:
    client = OpenAIChatCompletionClient(
        "gpt-4o", api_key=TEST_KEY, base_url=server.base_url, timeout=0.3, max_retries=0
    )
    server.enqueue(Stall(5.0, then=chat_completion("too late")))
    with pytest.raises(ModelTimeoutError, match="timeout") as caught:
        await client.create(HELLO)
    assert_names_provider_and_model(caught.value)
    await client.close()


async def test_cancellation_aborts_the_http_request(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    server.enqueue(Stall(30.0, then=chat_completion("never")))
    token = CancellationToken()
    call = asyncio.create_task(client.create(HELLO, cancellation_token=token))
    while not server.requests:
        await asyncio.sleep(0.01)
    token.cancel()
    with pytest.raises(CancelledError, match="cancelled"):
        await asyncio.wait_for(call, timeout=5)
    # The server saw the client hang up: the request was aborted, not left running.
    assert await asyncio.to_thread(server.wait_for_disconnect, 5.0)
    server.enqueue(chat_completion("after cancel"))
    assert (await client.create(HELLO)).content == "after cancel"


async def test_cancelling_a_stream_closes_it(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient
) -> None:
    from retinue_openai.testing import chat_completion_stream

    stream = chat_completion_stream(["first", "second"])
    stream.events[2].delay = 30.0  # stall before "second"
    server.enqueue(stream)
    token = CancellationToken()
    seen: list[object] = []

    async def consume() -> None:
        async for item in client.create_stream(HELLO, cancellation_token=token):
            seen.append(item)
            if item == "first":
                token.cancel()

    with pytest.raises(CancelledError):
        await asyncio.wait_for(consume(), timeout=5)
    assert seen == ["first"]
    assert await asyncio.to_thread(server.wait_for_disconnect, 5.0)


def test_missing_key_environment_variable_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match=r"'openai', model 'gpt-4o'.*OPENAI_API_KEY"):
        OpenAIChatCompletionClient("gpt-4o")


def test_every_error_is_a_retinue_error() -> None:
    for cls in (
        ModelAuthenticationError,
        ModelNotFoundError,
        ModelRateLimitError,
        ModelTimeoutError,
        ModelContentFilterError,
        ModelConnectionError,
        ModelResponseError,
    ):
        assert issubclass(cls, ModelClientError)
        assert issubclass(cls, RetinueError)


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, "invalid_request_error"), (404, "not_found_error"), (422, "invalid_request_error")],
)
async def test_a_key_quoted_in_any_error_body_is_redacted(
    server: OpenAIWireServer,
    client: OpenAIChatCompletionClient,
    status: int,
    kind: str,
    stream: bool,
) -> None:
    server.enqueue(openai_error(status, f"request made with key {TEST_KEY} was refused", type=kind))
    with pytest.raises(ModelClientError) as caught:
        if stream:
            [item async for item in client.create_stream(HELLO)]
        else:
            await client.create(HELLO)
    text = str(caught.value)
    assert "was refused" in text, "the server's explanation is kept"
    assert TEST_KEY not in text and TEST_KEY[3:] not in text
