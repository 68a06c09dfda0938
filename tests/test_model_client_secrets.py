"""Every secret a model client holds (key, header values, tokens) stays out of dumps,
errors, tracebacks and DEBUG logs, for each HTTP provider, with the real SDKs.

The server reflects the request's headers in a 400 error body, as some gateways do.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from retinue import ComponentError, ModelClientError, secret_from_env
from retinue.models import ChatCompletionClient, UserMessage
from retinue.testing.wire import JSONResponse, RecordedRequest, WireServer

SECRET = "sk-secret-header-7c1e9a"
AUTH = {"Authorization": f"Bearer {SECRET}"}
HELLO = [UserMessage(content="hello", source="user")]
LOGGERS = ("openai", "anthropic", "httpx", "httpcore", "httpx2", "httpcore2", "retinue")


def _openai(server: WireServer, **kwargs: Any) -> ChatCompletionClient:
    from retinue_openai import OpenAIChatCompletionClient

    return OpenAIChatCompletionClient(
        "gpt-4o", api_key="sk-test", base_url=f"{server.base_url}/v1", **kwargs
    )


def _azure(server: WireServer, **kwargs: Any) -> ChatCompletionClient:
    from retinue_openai import AzureOpenAIChatCompletionClient

    return AzureOpenAIChatCompletionClient(
        "gpt-4o",
        azure_endpoint=server.base_url,
        api_version="2024-06-01",
        api_key="azure-test-key",
        **kwargs,
    )


def _anthropic(server: WireServer, **kwargs: Any) -> ChatCompletionClient:
    from retinue_anthropic import AnthropicChatCompletionClient

    return AnthropicChatCompletionClient(
        "claude-sonnet-5", api_key="test-key", base_url=server.base_url, **kwargs
    )


def _gemini(server: WireServer, **kwargs: Any) -> ChatCompletionClient:
    from retinue_gemini import GeminiChatCompletionClient

    return GeminiChatCompletionClient(
        "gemini-2.5-flash", api_key="gemini-test", base_url=server.base_url, **kwargs
    )


KEYS = {
    "OPENAI_API_KEY": "sk-test",
    "AZURE_OPENAI_API_KEY": "azure-test-key",
    "ANTHROPIC_API_KEY": "test-key",
    "GEMINI_API_KEY": "gemini-test",
}
MAKERS = {"openai": _openai, "azure_openai": _azure, "anthropic": _anthropic, "gemini": _gemini}
Make = Callable[..., ChatCompletionClient]


@pytest.fixture(params=list(MAKERS))
def make(request: pytest.FixtureRequest) -> Make:
    return MAKERS[request.param]


@pytest.fixture
def reflecting_server() -> Iterator[WireServer]:
    def reflect(request: RecordedRequest) -> JSONResponse:
        echoed = "; ".join(f"{k}: {v}" for k, v in request.headers.items())
        body = {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": f"bad request ({echoed})"},
        }
        # Some gateways reflect the headers in response headers too (logged at DEBUG).
        return JSONResponse(body, status=400, headers={"x-echo": echoed})

    with WireServer(fallback=reflect) as server:
        yield server


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


async def test_a_reflected_header_secret_is_in_no_error_traceback_or_log(
    make: Make, reflecting_server: WireServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = make(reflecting_server, default_headers=AUTH, max_retries=0)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    try:
        with pytest.raises(ModelClientError) as caught:
            await client.create(HELLO)
    finally:
        await client.close()
    # The header was really sent and really reflected.
    assert reflecting_server.last_request.headers["authorization"] == f"Bearer {SECRET}"
    error = caught.value
    for link in _chain(error):
        assert SECRET not in str(link)
        assert SECRET not in repr(link.args)
    assert SECRET not in "".join(traceback.format_exception(error))
    assert "bad request" in str(error)  # the server's message is kept, scrubbed
    assert caplog.records, "the SDK logged nothing at DEBUG: the test would prove nothing"
    for record in caplog.records:
        assert SECRET not in record.getMessage(), record.name
    assert SECRET not in caplog.text


def test_header_values_are_not_dumped_in_clear(
    make: Make, reflecting_server: WireServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make(reflecting_server, default_headers=AUTH)
    with pytest.raises(ComponentError) as caught:
        client.dump_component()
    assert SECRET not in str(caught.value)

    # The keys come from the environment too, so only the header decides the dump.
    for env, key in KEYS.items():
        monkeypatch.setenv(env, key)
    monkeypatch.setenv("GATEWAY_AUTH", f"Bearer {SECRET}")
    client = make(
        reflecting_server, default_headers={"Authorization": secret_from_env(None, "GATEWAY_AUTH")}
    )
    spec = client.dump_component()
    dumped = spec.model_dump_json()
    assert SECRET not in dumped
    assert spec.config["default_headers"] == {"Authorization": {"env": "GATEWAY_AUTH"}}
    loaded = type(client).load_component(spec)
    assert loaded._default_headers["Authorization"].get_secret_value() == f"Bearer {SECRET}"  # type: ignore[attr-defined]


def test_a_base_url_with_a_password_is_not_dumped(monkeypatch: pytest.MonkeyPatch) -> None:
    from retinue_openai import OpenAIChatCompletionClient

    client = OpenAIChatCompletionClient(
        "gpt-4o", api_key="sk-test", base_url=f"http://user:{SECRET}@127.0.0.1:9/v1"
    )
    with pytest.raises(ComponentError, match="base_url carries credentials") as caught:
        client.dump_component()
    assert SECRET not in str(caught.value)
