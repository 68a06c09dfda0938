from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from retinue_openai import OpenAIChatCompletionClient
from retinue_openai.testing import OpenAIWireServer

TEST_KEY = "sk-test-4f9c2a77e1b0d3"


@pytest.fixture
def server() -> Iterator[OpenAIWireServer]:
    with OpenAIWireServer() as wire:
        yield wire


@pytest.fixture
async def client(server: OpenAIWireServer) -> AsyncIterator[OpenAIChatCompletionClient]:
    client = OpenAIChatCompletionClient(
        "gpt-4o", api_key=TEST_KEY, base_url=server.base_url, max_retries=2, timeout=10
    )
    yield client
    await client.close()
