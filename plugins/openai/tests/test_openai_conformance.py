"""The kernel's model-client conformance suite, run against a local OpenAI wire server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import retinue_openai.plugin
from retinue.registry import Registry
from retinue.testing import ModelClientConformance, isolated_registry
from retinue_openai import AzureOpenAIChatCompletionClient, OpenAIChatCompletionClient
from retinue_openai.testing import OpenAIWireServer, always_answer

from .conftest import TEST_KEY


@pytest.fixture
def hello_server() -> Iterator[OpenAIWireServer]:
    with OpenAIWireServer(fallback=always_answer("hello")) as server:
        yield server


class TestOpenAIConformance(ModelClientConformance):
    @pytest.fixture
    def component_registry(self) -> Registry:
        return isolated_registry(retinue_openai.plugin)

    @pytest.fixture
    def model_client(
        self, hello_server: OpenAIWireServer, monkeypatch: pytest.MonkeyPatch
    ) -> OpenAIChatCompletionClient:
        monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
        return OpenAIChatCompletionClient("gpt-4o-mini", base_url=hello_server.base_url)


class TestAzureOpenAIConformance(ModelClientConformance):
    @pytest.fixture
    def component_registry(self) -> Registry:
        return isolated_registry(retinue_openai.plugin)

    @pytest.fixture
    def model_client(
        self, hello_server: OpenAIWireServer, monkeypatch: pytest.MonkeyPatch
    ) -> AzureOpenAIChatCompletionClient:
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", TEST_KEY)
        return AzureOpenAIChatCompletionClient(
            "gpt-4o", azure_endpoint=hello_server.root_url, api_version="2024-10-21"
        )
