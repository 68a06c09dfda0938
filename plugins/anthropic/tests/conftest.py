"""Fixtures: a wire server speaking the Messages API and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from retinue.testing.wire import WireServer
from retinue_anthropic import AnthropicChatCompletionClient
from retinue_anthropic.testing import AnthropicWireServer

TEST_KEY = "sk-ant-test-0123456789abcdef"


@pytest.fixture
def wire() -> Iterator[WireServer]:
    # Validating like the real API, so a request it would refuse fails the test.
    with AnthropicWireServer() as server:
        yield server


@pytest.fixture
async def make_client(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., AnthropicChatCompletionClient]]:
    """Build clients for the wire server (key from ANTHROPIC_API_KEY); closed afterwards."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    made: list[AnthropicChatCompletionClient] = []

    def make(model: str = "claude-sonnet-5", **kwargs: Any) -> AnthropicChatCompletionClient:
        kwargs.setdefault("max_retries", 0)
        client = AnthropicChatCompletionClient(model, base_url=wire.base_url, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()
