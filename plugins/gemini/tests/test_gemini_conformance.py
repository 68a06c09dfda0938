"""The kernel's model-client conformance suite, run against a local Gemini-dialect server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import retinue_gemini.plugin
import retinue_openai.plugin
from retinue.registry import Registry
from retinue.testing import ModelClientConformance, isolated_registry
from retinue_gemini import GeminiChatCompletionClient
from retinue_openai.testing import OpenAIWireServer, always_answer


@pytest.fixture
def hello_server() -> Iterator[OpenAIWireServer]:
    with OpenAIWireServer(fallback=always_answer("hello", model="gemini-2.5-flash")) as server:
        yield server


class TestGeminiConformance(ModelClientConformance):
    @pytest.fixture
    def component_registry(self) -> Registry:
        return isolated_registry(retinue_openai.plugin, retinue_gemini.plugin)

    @pytest.fixture
    def model_client(
        self, hello_server: OpenAIWireServer, monkeypatch: pytest.MonkeyPatch
    ) -> GeminiChatCompletionClient:
        monkeypatch.setenv("GEMINI_API_KEY", "AIza-test-key")
        return GeminiChatCompletionClient("gemini-2.5-flash", base_url=hello_server.base_url)
