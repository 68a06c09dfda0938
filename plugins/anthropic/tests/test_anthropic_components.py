"""Specs, import cost, offline token counts and telemetry of the Anthropic client."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from retinue import ComponentError, ModelAuthenticationError, load_component
from retinue.models import (
    AssistantMessage,
    FunctionCall,
    Image,
    SystemMessage,
    UserMessage,
)
from retinue.telemetry import set_tracer_provider
from retinue.testing._registry import isolated_registry
from retinue.testing.wire import WireServer
from retinue_anthropic import AnthropicChatCompletionClient, plugin
from retinue_anthropic.testing import error_response, messages_response, messages_stream

from .conftest import TEST_KEY

MakeClient = Callable[..., AnthropicChatCompletionClient]


def test_dump_writes_the_key_as_an_environment_reference(make_client: MakeClient) -> None:
    client = make_client(temperature=0.5, thinking={"type": "enabled", "budget_tokens": 1024})
    spec = client.dump_component()
    assert (spec.provider, spec.kind) == ("anthropic", "model_client")
    assert spec.config["api_key"] == {"env": "ANTHROPIC_API_KEY"}
    assert TEST_KEY not in spec.model_dump_json()
    loaded = load_component(spec, AnthropicChatCompletionClient, registry=isolated_registry(plugin))
    assert loaded.dump_component() == spec


def test_key_given_in_clear_is_never_dumped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    client = AnthropicChatCompletionClient("claude-sonnet-5", api_key="sk-ant-in-clear-123456")
    with pytest.raises(ComponentError, match="environment variable"):
        client.dump_component()


async def test_autogen_spec_loads_through_its_alias(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    autogen_spec = {
        "provider": "autogen_ext.models.anthropic.AnthropicChatCompletionClient",
        "component_type": "model",
        "version": 1,
        "component_version": 1,
        "description": "Chat completion client for Anthropic's Claude models.",
        "label": "AnthropicChatCompletionClient",
        "config": {
            "model": "claude-3-7-sonnet-20250219",
            "max_tokens": 1024,
            "temperature": 1.0,
            "base_url": wire.base_url,
            "max_retries": 0,
            "model_capabilities": {"vision": True, "function_calling": True, "json_output": True},
        },
    }
    client = load_component(autogen_spec, registry=isolated_registry(plugin))
    assert isinstance(client, AnthropicChatCompletionClient)
    assert client.model_info["family"] == "claude-3-7-sonnet"
    wire.enqueue(messages_response("loaded"))
    assert (await client.create([UserMessage(content="hi")])).content == "loaded"
    assert wire.last_request.json["max_tokens"] == 1024
    await client.close()


def test_importing_the_plugin_and_package_does_not_import_the_sdk() -> None:
    code = (
        "import sys, retinue_anthropic.plugin, retinue_anthropic\n"
        "loaded = {'anthropic', 'retinue_anthropic._client'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
        "retinue_anthropic.AnthropicClientConfig\n"
        "assert 'anthropic' not in sys.modules, 'the config must not need the SDK'\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_constructing_a_client_does_not_import_the_sdk() -> None:
    code = (
        "import sys\n"
        "from retinue_anthropic import AnthropicChatCompletionClient\n"
        "AnthropicChatCompletionClient('claude-sonnet-5', api_key='x')\n"
        "assert 'anthropic' not in sys.modules\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_known_models_and_their_families(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    families = {
        "claude-3-haiku-20240307": "claude-3-haiku",
        "claude-3-5-sonnet-latest": "claude-3-5-sonnet",
        "claude-3-7-sonnet-20250219": "claude-3-7-sonnet",
        "claude-sonnet-4-20250514": "claude-4-sonnet",
        "claude-opus-4-1-20250805": "claude-4-opus",
        "claude-sonnet-4-5-20250929": "claude-4-5-sonnet",
        "claude-haiku-4-5": "claude-4-5-haiku",
        "claude-sonnet-5-5": "claude-5-sonnet",
    }
    for model, family in families.items():
        info = AnthropicChatCompletionClient(model).model_info
        assert info["family"] == family, model
        assert info["function_calling"] and info["vision"] and info["context_window"] == 200_000


def test_newer_claude_model_gets_documented_defaults(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    info = AnthropicChatCompletionClient("claude-nova-9").model_info
    assert info["family"] == "unknown" and info["function_calling"]
    assert "not in retinue-anthropic's table" in caplog.text


def test_count_tokens_is_offline_and_grows_with_content(make_client: MakeClient) -> None:
    client = make_client()
    base = [UserMessage(content="Hello there")]
    small = client.count_tokens(base)
    assert small > 0
    assert client.count_tokens([SystemMessage(content="x" * 700), *base]) >= small + 200
    assert client.count_tokens([UserMessage(content=["look", Image.from_bytes(b"i")])]) > 1000
    tool = {
        "name": "calc",
        "description": "adds",
        "parameters": {"type": "object", "properties": {}},
    }
    assert client.count_tokens(base, tools=[tool]) > small + 300  # type: ignore[list-item]
    calls = [AssistantMessage(content=[FunctionCall(id="1", name="calc", arguments="{}")])]
    assert client.count_tokens(calls) > 0
    assert client.remaining_tokens(base) == 200_000 - small


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    set_tracer_provider(provider)
    yield exporter
    set_tracer_provider(None)


async def test_calls_emit_chat_spans_with_token_counts(
    wire: WireServer, make_client: MakeClient, spans: InMemorySpanExporter
) -> None:
    wire.enqueue(messages_response("a", input_tokens=11, output_tokens=7))
    wire.enqueue(messages_stream("b", input_tokens=13, output_tokens=3))
    wire.enqueue(error_response("authentication_error", f"bad key {TEST_KEY}"))
    client = make_client()
    await client.create([UserMessage(content="x")])
    [item async for item in client.create_stream([UserMessage(content="x")])]
    with pytest.raises(ModelAuthenticationError, match="credentials"):
        await client.create([UserMessage(content="x")])
    chat = [s for s in spans.get_finished_spans() if s.name.startswith("chat")]
    assert [s.name for s in chat] == ["chat claude-sonnet-5"] * 3
    assert chat[0].attributes is not None and chat[1].attributes is not None
    assert chat[0].attributes["gen_ai.usage.input_tokens"] == 11
    assert chat[0].attributes["gen_ai.usage.output_tokens"] == 7
    assert chat[1].attributes["gen_ai.usage.input_tokens"] == 13
    for span in chat:
        assert TEST_KEY not in str(dict(span.attributes or {}))
        assert all(TEST_KEY not in str(event.attributes) for event in span.events)
