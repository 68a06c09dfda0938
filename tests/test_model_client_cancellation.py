"""A cancelled model call's answer never reaches a later call, for every HTTP provider.

The server answers each request with text naming that request, and answers the first
call of each round late; the first call is cancelled at many moments (before it is
sent, while the server stalls, mid-stream), then the second call on the same client
must get its own answer.  The real SDKs run against a server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from retinue import CancellationToken, CancelledError
from retinue.models import ChatCompletionClient, CreateResult, UserMessage
from retinue.testing.wire import RecordedRequest, ScriptedResponse, SSEEvent, Stall, WireServer

ROUNDS = 40
LATE = 0.03  # how long the server makes a cancelled-to-be call wait for its answer


def _tag(request: RecordedRequest) -> str:
    """The text of the request's last message, which names the call."""
    content = ((request.json or {}).get("messages") or [{}])[-1].get("content")
    if isinstance(content, list):
        content = content[0].get("text")
    return str(content)


def _openai_answer(request: RecordedRequest, text: str) -> ScriptedResponse:
    from retinue_openai.testing import chat_completion, chat_completion_stream

    if (request.json or {}).get("stream"):
        return chat_completion_stream([text[:5], text[5:]], delay=0.005)
    return chat_completion(text)


def _anthropic_answer(request: RecordedRequest, text: str) -> ScriptedResponse:
    from retinue_anthropic.testing import messages_response, messages_stream, text as text_block

    if (request.json or {}).get("stream"):
        stream = messages_stream([text_block(text)])
        stream.events = [
            SSEEvent(e.data, event=e.event, delay=0.005) if isinstance(e, SSEEvent) else e
            for e in stream.events
        ]
        return stream
    return messages_response([text_block(text)])


@dataclass
class Provider:
    name: str
    answer: Callable[[RecordedRequest, str], ScriptedResponse]
    make: Callable[[WireServer], ChatCompletionClient]


def _openai(server: WireServer) -> ChatCompletionClient:
    from retinue_openai import OpenAIChatCompletionClient

    url = f"{server.base_url}/v1"
    return OpenAIChatCompletionClient("gpt-4o", api_key="sk-test", base_url=url, max_retries=0)


def _azure(server: WireServer) -> ChatCompletionClient:
    from retinue_openai import AzureOpenAIChatCompletionClient

    return AzureOpenAIChatCompletionClient(
        "gpt-4o",
        azure_endpoint=server.base_url,
        api_version="2024-06-01",
        api_key="azure-test-key",
        max_retries=0,
    )


def _anthropic(server: WireServer) -> ChatCompletionClient:
    from retinue_anthropic import AnthropicChatCompletionClient

    return AnthropicChatCompletionClient(
        "claude-sonnet-5", api_key="test-key", base_url=server.base_url, max_retries=0
    )


def _gemini(server: WireServer) -> ChatCompletionClient:
    from retinue_gemini import GeminiChatCompletionClient

    return GeminiChatCompletionClient(
        "gemini-2.5-flash", api_key="gemini-test", base_url=server.base_url, max_retries=0
    )


PROVIDERS = [
    Provider("openai", _openai_answer, _openai),
    Provider("azure_openai", _openai_answer, _azure),
    Provider("anthropic", _anthropic_answer, _anthropic),
    Provider("gemini", _openai_answer, _gemini),
]


@pytest.fixture(params=PROVIDERS, ids=lambda p: p.name)
def provider(request: pytest.FixtureRequest) -> Provider:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def server(provider: Provider) -> Iterator[WireServer]:
    def respond(request: RecordedRequest) -> ScriptedResponse:
        tag = _tag(request)
        answer = provider.answer(request, f"answer to {tag}")
        # The call that will be cancelled gets its answer late, so cancellation lands
        # before, during and after the answer arrives.
        return Stall(LATE, answer) if tag.startswith("cancelled") else answer

    with WireServer(fallback=respond) as wire:
        yield wire


async def _call(client: ChatCompletionClient, text: str, stream: bool, **kwargs: Any) -> Any:
    messages = [UserMessage(content=text, source="user")]
    if not stream:
        return (await client.create(messages, **kwargs)).content
    last: Any = None
    async for item in client.create_stream(messages, **kwargs):
        last = item
    assert isinstance(last, CreateResult)
    return last.content


async def _cancel_at(task: asyncio.Task[Any], token: CancellationToken, rng: random.Random) -> None:
    """Cancel after some loop turns or some time, by the token or by cancelling the task."""
    if rng.random() < 0.5:
        for _ in range(rng.randrange(40)):
            await asyncio.sleep(0)
    else:
        await asyncio.sleep(rng.uniform(0, 2 * LATE))
    if rng.random() < 0.5:
        token.cancel()
    else:
        task.cancel()


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
async def test_a_cancelled_calls_answer_never_reaches_the_next_call(
    provider: Provider, server: WireServer, stream: bool
) -> None:
    rng = random.Random(f"{provider.name}-{stream}")
    client = provider.make(server)
    try:
        for round_ in range(ROUNDS):
            token = CancellationToken()
            first = asyncio.ensure_future(
                _call(client, f"cancelled {round_}", stream, cancellation_token=token)
            )
            await _cancel_at(first, token, rng)
            second = await asyncio.wait_for(_call(client, f"second {round_}", stream), 10)
            assert second == f"answer to second {round_}"
            # The first call either was cancelled or, cancelled too late, got its own answer.
            try:
                outcome = await asyncio.wait_for(first, 10)
            except (CancelledError, asyncio.CancelledError):
                continue
            assert outcome == f"answer to cancelled {round_}"
    finally:
        await client.close()


async def test_after_a_cancellation_no_earlier_connection_is_reused(
    provider: Provider, server: WireServer
) -> None:
    """The guarantee does not rest on the pool: a cancelled call retires the whole pool."""
    client = provider.make(server)
    try:
        # Two calls at once leave two idle connections in the pool.
        await asyncio.wait_for(
            asyncio.gather(_call(client, "warm a", False), _call(client, "warm b", False)), 10
        )
        token = CancellationToken()
        cancelled = asyncio.ensure_future(
            _call(client, "cancelled", False, cancellation_token=token)
        )
        while len(server.requests) < 3:
            await asyncio.sleep(0.005)
        token.cancel()
        with pytest.raises(CancelledError):
            await asyncio.wait_for(cancelled, 10)
        assert await _call(client, "after", False) == "answer to after"
        before = {r.connection for r in server.requests[:3]}
        assert server.requests[-1].connection not in before
    finally:
        await client.close()
