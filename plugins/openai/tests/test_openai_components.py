"""Specs, aliases, Azure, registration and the cheap import."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
import retinue_openai.plugin
from retinue import (
    ComponentError,
    ComponentLoadError,
    ConfigurationError,
    SecretNotFoundError,
    load_component,
)
from retinue.models import ChatCompletionClient, UserMessage
from retinue.registry import Registry
from retinue.testing import isolated_registry
from retinue_openai import AzureOpenAIChatCompletionClient, OpenAIChatCompletionClient
from retinue_openai.testing import OpenAIWireServer, chat_completion

from .conftest import TEST_KEY


@pytest.fixture
def registry() -> Registry:
    return isolated_registry(retinue_openai.plugin)


@pytest.fixture
def env_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    yield TEST_KEY


def test_dump_writes_the_key_as_an_env_reference_and_loads_back(
    env_key: str, registry: Registry
) -> None:
    client = OpenAIChatCompletionClient("gpt-4o", temperature=0.5, base_url="http://127.0.0.1:9/v1")
    spec = client.dump_component()
    assert spec.provider == "openai"
    assert spec.kind == "model_client"
    assert spec.config["api_key"] == {"env": "OPENAI_API_KEY"}
    assert spec.config["temperature"] == 0.5
    assert env_key not in spec.model_dump_json()
    loaded = load_component(spec.model_dump(), ChatCompletionClient, registry=registry)
    assert isinstance(loaded, OpenAIChatCompletionClient)
    assert loaded.dump_component() == spec


def test_a_key_passed_in_clear_is_not_dumped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = OpenAIChatCompletionClient("gpt-4o", api_key=TEST_KEY)
    with pytest.raises(ComponentError, match="OPENAI_API_KEY") as caught:
        client.dump_component()
    assert TEST_KEY not in str(caught.value)


def test_autogen_spec_loads_through_its_alias(env_key: str, registry: Registry) -> None:
    autogen_spec = {
        "provider": "autogen_ext.models.openai.OpenAIChatCompletionClient",
        "component_type": "model",
        "version": 1,
        "component_version": 1,
        "description": "Chat completion client for OpenAI hosted models.",
        "label": "OpenAIChatCompletionClient",
        "config": {"model": "gpt-4o", "api_key": {"env": "OPENAI_API_KEY"}, "temperature": 0.1},
    }
    client = load_component(json.dumps(autogen_spec), registry=registry)
    assert isinstance(client, OpenAIChatCompletionClient)
    assert client.model_info["family"] == "gpt-4o"
    for alias in ("OpenAIChatCompletionClient", "openai_chat_completion_client"):
        spec = {"provider": alias, "config": {"model": "gpt-4o-mini"}}
        assert isinstance(load_component(spec, registry=registry), OpenAIChatCompletionClient)


def test_autogen_masked_key_reads_as_the_standard_variable(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    spec = {
        "provider": "autogen_ext.models.openai.OpenAIChatCompletionClient",
        "component_type": "model",
        "config": {"model": "gpt-4o", "api_key": "**********"},
    }
    client = load_component(spec, registry=registry)
    assert client.dump_component().config["api_key"] == {"env": "OPENAI_API_KEY"}


async def test_spec_with_unset_key_variable_loads_and_fails_at_first_create(
    monkeypatch: pytest.MonkeyPatch, registry: Registry
) -> None:
    monkeypatch.delenv("MY_OPENAI_KEY", raising=False)
    with OpenAIWireServer() as server:
        spec = {
            "provider": "openai",
            "config": {
                "model": "gpt-4o",
                "api_key": {"env": "MY_OPENAI_KEY"},
                "base_url": server.base_url,
            },
        }
        client = load_component(spec, registry=registry)
        assert client.dump_component().config["api_key"] == {"env": "MY_OPENAI_KEY"}
        with pytest.raises(SecretNotFoundError, match="export MY_OPENAI_KEY"):
            await client.create([UserMessage(content="hi", source="user")])
        assert server.requests == []
        # Set later, the variable is read when the client first needs it.
        monkeypatch.setenv("MY_OPENAI_KEY", TEST_KEY)
        server.enqueue(chat_completion("hello"))
        result = await asyncio.wait_for(
            client.create([UserMessage(content="hi", source="user")]), timeout=30
        )
        assert result.content == "hello"
        assert server.requests[-1].headers["authorization"] == f"Bearer {TEST_KEY}"
        await client.close()


def test_spec_with_a_typo_names_the_field(env_key: str, registry: Registry) -> None:
    spec = {"provider": "openai", "config": {"model": "gpt-4o", "temprature": 0.2}}
    with pytest.raises(ComponentLoadError, match="temprature"):
        load_component(spec, registry=registry)


def test_provider_names_and_capabilities_are_registered(registry: Registry) -> None:
    assert {"openai", "azure_openai"} <= set(registry.names("model_client"))
    info = registry.get("model_client", "openai")
    assert "streaming" in info.capabilities
    assert registry.load("model_client", "AzureOpenAIChatCompletionClient") is (
        AzureOpenAIChatCompletionClient
    )


def test_telemetry_names(server: OpenAIWireServer) -> None:
    client = OpenAIChatCompletionClient("gpt-4o-mini", api_key=TEST_KEY, base_url=server.base_url)
    assert (client.provider_name, client.model_name) == ("openai", "gpt-4o-mini")
    azure = AzureOpenAIChatCompletionClient(
        "gpt-4o", azure_endpoint=server.root_url, api_version="2024-10-21", api_key=TEST_KEY
    )
    assert (azure.provider_name, azure.model_name) == ("azure_openai", "gpt-4o")


def test_importing_the_package_and_plugin_does_not_import_the_sdk() -> None:
    code = (
        "import sys, retinue_openai, retinue_openai.plugin, retinue_openai.testing;"
        "c = retinue_openai.OpenAIChatCompletionClient('gpt-4o', api_key='k');"
        "print('openai' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


# -- Azure ------------------------------------------------------------------------------


async def test_azure_uses_the_deployment_url_and_api_key_header(server: OpenAIWireServer) -> None:
    client = AzureOpenAIChatCompletionClient(
        "gpt-4o",
        azure_endpoint=server.root_url,
        azure_deployment="my-gpt4o",
        api_version="2024-10-21",
        api_key=TEST_KEY,
    )
    server.enqueue(chat_completion("from azure"))
    result = await client.create([UserMessage(content="hi")])
    assert result.content == "from azure"
    sent = server.last_request
    assert sent.path == "/openai/deployments/my-gpt4o/chat/completions"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.headers["api-key"] == TEST_KEY
    await client.close()


async def test_azure_token_provider_is_used_and_not_dumpable(server: OpenAIWireServer) -> None:
    calls: list[str] = []

    def token_provider() -> str:
        calls.append("token")
        return "aad-token-123"

    client = AzureOpenAIChatCompletionClient(
        "gpt-4o",
        azure_endpoint=server.root_url,
        api_version="2024-10-21",
        azure_ad_token_provider=token_provider,
    )
    server.enqueue(chat_completion("ok"))
    await client.create([UserMessage(content="hi")])
    assert server.last_request.headers["authorization"] == "Bearer aad-token-123"
    assert server.last_request.path == "/openai/deployments/gpt-4o/chat/completions"
    assert calls
    with pytest.raises(ComponentError, match="token_provider"):
        client.dump_component()
    await client.close()


def test_azure_dumps_and_loads(monkeypatch: pytest.MonkeyPatch, registry: Registry) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", TEST_KEY)
    client = AzureOpenAIChatCompletionClient(
        "gpt-4o", azure_endpoint="https://x.openai.azure.com", api_version="2024-10-21"
    )
    spec = client.dump_component()
    assert spec.provider == "azure_openai"
    assert spec.config["api_key"] == {"env": "AZURE_OPENAI_API_KEY"}
    autogen_spec = {
        "provider": "autogen_ext.models.openai.AzureOpenAIChatCompletionClient",
        "component_type": "model",
        "config": spec.config,
    }
    loaded = load_component(autogen_spec, registry=registry)
    assert isinstance(loaded, AzureOpenAIChatCompletionClient)


def test_azure_without_credentials_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("AZURE_OPENAI_AD_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match=r"azure_openai.*AZURE_OPENAI_API_KEY"):
        AzureOpenAIChatCompletionClient(
            "gpt-4o", azure_endpoint="https://x.openai.azure.com", api_version="2024-10-21"
        )
