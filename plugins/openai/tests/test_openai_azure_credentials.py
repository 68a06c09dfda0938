"""Azure picks exactly one credential by a documented precedence; the SDK never sees two.

Explicit arguments beat the environment; a token provider beats an AD token, which
beats a key.  Each case runs the real SDK against a server on 127.0.0.1 and checks
which credential the request carried.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from retinue import ConfigurationError, RetinueError
from retinue.models import UserMessage
from retinue_openai import AzureOpenAIChatCompletionClient, OpenAIChatCompletionClient
from retinue_openai.testing import OpenAIWireServer, always_answer

ENV_KEY = "env-azure-key-1234"
ENV_TOKEN = "env-ad-token-5678"
HELLO = [UserMessage(content="hi", source="user")]


@pytest.fixture
async def sent(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callable[..., Any]]:
    """Make a client from keyword arguments, call it once, return the headers it sent."""
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("AZURE_OPENAI_AD_TOKEN", raising=False)
    with OpenAIWireServer(fallback=always_answer("ok")) as server:

        async def call(**credentials: Any) -> dict[str, str]:
            client = AzureOpenAIChatCompletionClient(
                "gpt-4o", azure_endpoint=server.root_url, api_version="2024-10-21", **credentials
            )
            try:
                assert (await client.create(HELLO)).content == "ok"
            finally:
                await client.close()
            return server.last_request.headers

        yield call


async def test_env_key_and_token_provider_use_the_provider(
    sent: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", ENV_KEY)
    headers = await sent(azure_ad_token_provider=lambda: "provided-token")
    assert headers["authorization"] == "Bearer provided-token"
    assert "api-key" not in headers


async def test_env_key_and_explicit_ad_token_use_the_token(
    sent: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", ENV_KEY)
    headers = await sent(azure_ad_token="explicit-token")
    assert headers["authorization"] == "Bearer explicit-token"
    assert "api-key" not in headers


async def test_both_env_variables_use_the_ad_token(
    sent: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", ENV_KEY)
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", ENV_TOKEN)
    headers = await sent()
    assert headers["authorization"] == f"Bearer {ENV_TOKEN}"
    assert "api-key" not in headers


async def test_an_explicit_key_beats_an_env_ad_token(
    sent: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", ENV_TOKEN)
    headers = await sent(api_key="explicit-key")
    assert headers["api-key"] == "explicit-key"
    assert "authorization" not in headers


async def test_two_explicit_credentials_use_the_token_and_warn(
    sent: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="retinue_openai"):
        headers = await sent(api_key="explicit-key", azure_ad_token="explicit-token")
    assert headers["authorization"] == "Bearer explicit-token"
    assert "api-key" not in headers
    warning = caplog.text
    assert "using azure_ad_token" in warning
    assert "explicit-key" not in warning and "explicit-token" not in warning


def test_no_credential_at_all_names_every_way_to_give_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("AZURE_OPENAI_AD_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match=r"AZURE_OPENAI_AD_TOKEN.*azure_ad_token_provider"):
        AzureOpenAIChatCompletionClient(
            "gpt-4o", azure_endpoint="http://127.0.0.1:9", api_version="2024-10-21"
        )


@pytest.mark.parametrize("max_retries", [-1, 1.5, True])
def test_a_bad_max_retries_is_a_configuration_error_on_every_sdk(max_retries: Any) -> None:
    # Checked by the client itself: SDK releases before 3.x take a negative count silently.
    with pytest.raises(RetinueError) as caught:
        OpenAIChatCompletionClient(
            "gpt-4o",
            api_key="sk-test-abcdef123",
            base_url="http://127.0.0.1:9/v1",
            max_retries=max_retries,
        )
    assert isinstance(caught.value, ConfigurationError)
    assert "model 'gpt-4o'" in str(caught.value)
    assert "max_retries" in str(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    with pytest.raises(ConfigurationError, match="max_retries"):
        AzureOpenAIChatCompletionClient(
            "gpt-4o",
            azure_endpoint="http://127.0.0.1:9",
            api_version="2024-10-21",
            api_key="explicit-key",
            max_retries=max_retries,
        )
