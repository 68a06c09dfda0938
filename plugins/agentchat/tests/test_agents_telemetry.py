"""Agent runs are traced as one ``invoke_agent {name}`` span each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from retinue import CancellationToken
from retinue.chat import TextMessage
from retinue.telemetry import set_tracer_provider
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat import AssistantAgent


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    set_tracer_provider(provider)
    yield exporter
    set_tracer_provider(None)


async def test_run_and_on_messages_each_make_one_invoke_span(spans: InMemorySpanExporter) -> None:
    agent = AssistantAgent("helper", ScriptedChatCompletionClient(["a", "b"]))

    await agent.run(task="hi")
    await agent.on_messages([TextMessage(content="again", source="user")], CancellationToken())

    names = [span.name for span in spans.get_finished_spans() if span.name.startswith("invoke")]
    assert names == ["invoke_agent helper", "invoke_agent helper"]
