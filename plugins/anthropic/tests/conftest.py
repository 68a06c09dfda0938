"""Fixtures: a wire server speaking the Messages API and clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from retinue.testing.wire import WireServer
from retinue_anthropic import AnthropicChatCompletionClient

TEST_KEY = "sk-ant-test-0123456789abcdef"


@pytest.fixture
def wire() -> Iterator[WireServer]:
    with WireServer() as server:
        yield server


@pytest.fixture
def make_client(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., AnthropicChatCompletionClient]:
    """Build a client for the wire server; the key comes from ANTHROPIC_API_KEY."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)

    def make(model: str = "claude-sonnet-5", **kwargs: Any) -> AnthropicChatCompletionClient:
        kwargs.setdefault("max_retries", 0)
        return AnthropicChatCompletionClient(model, base_url=wire.base_url, **kwargs)

    return make
