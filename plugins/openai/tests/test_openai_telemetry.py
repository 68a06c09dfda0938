"""The kernel's ``chat {model}`` spans around the OpenAI client, with token counts and no key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from retinue import ModelAuthenticationError, telemetry
from retinue.models import UserMessage
from retinue_openai import OpenAIChatCompletionClient
from retinue_openai.testing import (
    OpenAIWireServer,
    chat_completion,
    chat_completion_stream,
    openai_error,
    usage,
)

from .conftest import TEST_KEY


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.set_tracer_provider(provider)
    yield exporter
    telemetry.set_tracer_provider(None)


def _dump(exporter: InMemorySpanExporter) -> str:
    return repr(
        [
            (s.name, dict(s.attributes or {}), s.events, s.status)
            for s in exporter.get_finished_spans()
        ]
    )


async def test_create_and_stream_emit_chat_spans_with_tokens(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient, exporter: InMemorySpanExporter
) -> None:
    server.enqueue(chat_completion("hi", usage=usage(11, 4)))
    server.enqueue(chat_completion_stream(["h", "i"], usage=usage(13, 2)))
    await client.create([UserMessage(content="hello")])
    _ = [item async for item in client.create_stream([UserMessage(content="hello")])]

    spans = [s for s in exporter.get_finished_spans() if s.name == "chat gpt-4o"]
    assert len(spans) == 2
    for span, (prompt, completion) in zip(spans, [(11, 4), (13, 2)], strict=True):
        attributes = dict(span.attributes or {})
        assert attributes["gen_ai.request.model"] == "gpt-4o"
        assert attributes["gen_ai.provider.name"] == "openai"
        assert attributes["gen_ai.usage.input_tokens"] == prompt
        assert attributes["gen_ai.usage.output_tokens"] == completion
    assert TEST_KEY not in _dump(exporter)


async def test_failed_call_span_carries_no_key(
    server: OpenAIWireServer, client: OpenAIChatCompletionClient, exporter: InMemorySpanExporter
) -> None:
    server.enqueue(openai_error(401, f"Incorrect API key provided: {TEST_KEY}"))
    with pytest.raises(ModelAuthenticationError):
        await client.create([UserMessage(content="hello")])
    assert [s.name for s in exporter.get_finished_spans()] == ["chat gpt-4o"]
    assert TEST_KEY not in _dump(exporter)
    assert TEST_KEY[3:12] not in _dump(exporter)
