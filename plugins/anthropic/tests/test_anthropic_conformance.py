"""retinue-anthropic passes the kernel's model-client conformance suite against the wire."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from retinue.testing import ModelClientConformance
from retinue.testing._registry import isolated_registry
from retinue.testing.wire import RecordedRequest, ScriptedResponse, WireServer
from retinue_anthropic import AnthropicChatCompletionClient, plugin
from retinue_anthropic.testing import messages_response, messages_stream


def _hello(request: RecordedRequest) -> ScriptedResponse:
    if (request.json or {}).get("stream"):
        return messages_stream("hello")
    return messages_response("hello")


class TestAnthropicConformance(ModelClientConformance):
    @pytest.fixture
    def wire(self) -> Any:
        with WireServer(fallback=_hello) as server:
            yield server

    @pytest.fixture
    def model_client(
        self, make_client: Callable[..., AnthropicChatCompletionClient]
    ) -> AnthropicChatCompletionClient:
        return make_client()

    @pytest.fixture
    def component_registry(self) -> Any:
        return isolated_registry(plugin)
