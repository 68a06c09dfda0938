"""Spans retinue emits: runtime operations, GenAI model/tool/agent spans, switches, secrets."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from retinue import CancellationToken, ConfigurationError, telemetry
from retinue.middleware import (
    ModelCallInterceptor,
    ModelCallRequest,
    ToolCallInterceptor,
    ToolCallRequest,
)
from retinue.models import CreateResult, RequestUsage, UserMessage
from retinue.runtime import (
    AgentId,
    DefaultTopicId,
    InProcessRuntime,
    MessageContext,
    RoutedAgent,
    default_subscription,
    message_handler,
)
from retinue.testing import ScriptedChatCompletionClient, ScriptExhaustedError
from retinue.tools import FunctionTool

SECRET = "sk-never-in-a-span-4242"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.set_tracer_provider(provider)
    yield exporter
    telemetry.set_tracer_provider(None)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Change tracing environment variables for one test."""
    yield monkeypatch
    monkeypatch.undo()
    telemetry.reload_settings()


def by_name(spans: Sequence[ReadableSpan], name: str) -> ReadableSpan:
    matches = [span for span in spans if span.name == name]
    assert len(matches) == 1, f"expected one span {name!r}, got {[s.name for s in spans]}"
    return matches[0]


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


@dataclass
class Question:
    text: str


@dataclass
class Announcement:
    text: str


class Answerer(RoutedAgent):
    def __init__(self) -> None:
        super().__init__("answers")

    @message_handler
    async def on_question(self, message: Question, ctx: MessageContext) -> str:
        if message.text == "fail":
            raise ValueError("cannot answer")
        return message.text.upper()


@default_subscription
class Relay(RoutedAgent):
    def __init__(self) -> None:
        super().__init__("relays announcements as questions")
        self.answers: list[str] = []

    @message_handler
    async def on_announcement(self, message: Announcement, ctx: MessageContext) -> None:
        self.answers.append(
            await self.send_message(Question(message.text), AgentId("answerer", "a"))
        )


async def test_publish_handler_send_chain_is_one_trace(exporter: InMemorySpanExporter) -> None:
    runtime = InProcessRuntime()
    await Relay.register(runtime, "relay", Relay)
    await Answerer.register(runtime, "answerer", Answerer)
    runtime.start()
    with telemetry.trace_invoke_agent_span("team"):
        await runtime.publish_message(Announcement("hi"), DefaultTopicId())
    await runtime.stop_when_idle()

    spans = exporter.get_finished_spans()
    team = by_name(spans, "invoke_agent team")
    publish = by_name(spans, "publish default")
    process_relay = by_name(spans, "process relay/default")
    send = by_name(spans, "send answerer/a")
    process_answerer = by_name(spans, "process answerer/a")
    assert {span.context.trace_id for span in spans} == {team.context.trace_id}
    assert parent_of(publish) == team.context.span_id
    assert parent_of(process_relay) == publish.context.span_id
    assert parent_of(send) == process_relay.context.span_id
    assert parent_of(process_answerer) == send.context.span_id
    assert (publish.kind, send.kind, process_answerer.kind) == (
        SpanKind.PRODUCER,
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
    )
    assert send.attributes is not None
    assert send.attributes["messaging.operation.type"] == "send"
    assert send.attributes["messaging.destination.name"] == "answerer/a"
    assert send.attributes["retinue.message.type"].endswith("Question")
    create = by_name(spans, "create answerer/a")
    assert create.attributes is not None
    assert create.attributes["messaging.operation.type"] == "create"


async def test_messages_outside_a_trace_make_no_root_spans_by_default(
    exporter: InMemorySpanExporter,
) -> None:
    runtime = InProcessRuntime()
    await Answerer.register(runtime, "answerer", Answerer)
    runtime.start()
    assert await runtime.send_message(Question("x"), AgentId("answerer", "a")) == "X"
    await runtime.close()
    assert exporter.get_finished_spans() == ()


async def test_handler_error_marks_process_and_send_spans(
    exporter: InMemorySpanExporter, settings: pytest.MonkeyPatch
) -> None:
    settings.setenv("RETINUE_TRACING_RUNTIME", "all")
    telemetry.reload_settings()
    runtime = InProcessRuntime()
    await Answerer.register(runtime, "answerer", Answerer)
    runtime.start()
    with pytest.raises(ValueError, match="cannot answer"):
        await runtime.send_message(Question("fail"), AgentId("answerer", "a"))
    await runtime.close()
    spans = exporter.get_finished_spans()
    for name in ("send answerer/a", "process answerer/a"):
        span = by_name(spans, name)
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes is not None
        assert span.attributes["error.type"] == "ValueError"


async def test_runtime_tracing_flag_turns_runtime_spans_off(exporter: InMemorySpanExporter) -> None:
    runtime = InProcessRuntime(tracing=False)
    await Answerer.register(runtime, "answerer", Answerer)
    runtime.start()
    assert await runtime.send_message(Question("x"), AgentId("answerer", "a")) == "X"
    await runtime.close()
    assert exporter.get_finished_spans() == ()


async def test_chat_span_has_genai_attributes(exporter: InMemorySpanExporter) -> None:
    usage = RequestUsage(prompt_tokens=11, completion_tokens=7)
    client = ScriptedChatCompletionClient(
        [CreateResult(finish_reason="stop", content="hello", usage=usage)]
    )
    with telemetry.trace_invoke_agent_span("helper", agent_id="helper/1", description="helps"):
        result = await client.create([UserMessage(content="hi", source="user")])
    assert result.content == "hello"
    spans = exporter.get_finished_spans()
    chat = by_name(spans, "chat scripted")
    invoke = by_name(spans, "invoke_agent helper")
    assert parent_of(chat) == invoke.context.span_id
    assert chat.kind is SpanKind.CLIENT
    assert chat.attributes is not None
    assert dict(chat.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "retinue",
        "gen_ai.request.model": "scripted",
        "gen_ai.provider.name": "scripted",
        "gen_ai.usage.input_tokens": 11,
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.response.finish_reasons": ("stop",),
    }
    assert invoke.attributes is not None
    assert invoke.attributes["gen_ai.agent.id"] == "helper/1"
    assert invoke.attributes["gen_ai.agent.description"] == "helps"


async def test_streamed_chat_span_records_the_final_result(exporter: InMemorySpanExporter) -> None:
    client = ScriptedChatCompletionClient([["Str", "eamed"]])
    items = [item async for item in client.create_stream([UserMessage(content="hi", source="u")])]
    assert items[:2] == ["Str", "eamed"]
    assert isinstance(items[-1], CreateResult)
    chat = by_name(exporter.get_finished_spans(), "chat scripted")
    assert chat.attributes is not None
    assert chat.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert chat.attributes["gen_ai.usage.output_tokens"] == items[-1].usage.completion_tokens


async def test_a_stream_consumer_works_outside_the_chat_span(
    exporter: InMemorySpanExporter,
) -> None:
    # Between chunks the consumer's own spans must not become children of the chat
    # span, and a call it makes on the same client must be traced as a call of its own.
    client = ScriptedChatCompletionClient([["a", "b"], "nested answer"])
    tracer = telemetry.get_tracer()
    assert tracer is not None
    with tracer.start_as_current_span("consumer") as consumer:
        async for item in client.create_stream([UserMessage(content="hi", source="u")]):
            if item == "a":
                with tracer.start_as_current_span("between chunks"):
                    await client.create([UserMessage(content="again", source="u")])
    spans = exporter.get_finished_spans()
    chats = [span for span in spans if span.name == "chat scripted"]
    assert len(chats) == 2, [span.name for span in spans]
    between = by_name(spans, "between chunks")
    consumer_id = consumer.get_span_context().span_id
    assert parent_of(between) == consumer_id
    assert {parent_of(chat) for chat in chats} == {consumer_id, between.context.span_id}


class ClosingStreamClient(ScriptedChatCompletionClient):
    """A client whose stream notes when it is closed (as an SDK closes its HTTP response)."""

    closed = False

    async def create_stream(  # type: ignore[override]
        self, messages: Sequence[Any], **kwargs: Any
    ) -> Any:
        try:
            yield "first"
            yield "second"
        finally:
            self.closed = True


async def test_a_stream_closed_early_closes_the_provider_stream_and_is_no_error(
    exporter: InMemorySpanExporter,
) -> None:
    client = ClosingStreamClient([])
    stream = client.create_stream([UserMessage(content="hi", source="u")])
    assert await stream.__anext__() == "first"
    await stream.aclose()  # type: ignore[attr-defined]
    assert client.closed
    chat = by_name(exporter.get_finished_spans(), "chat scripted")
    assert chat.status.status_code is not StatusCode.ERROR
    assert chat.attributes is not None
    assert "error.type" not in chat.attributes


async def test_failed_model_call_sets_error_type(exporter: InMemorySpanExporter) -> None:
    client = ScriptedChatCompletionClient([])
    with pytest.raises(ScriptExhaustedError):
        await client.create([UserMessage(content="hi", source="u")])
    chat = by_name(exporter.get_finished_spans(), "chat scripted")
    assert chat.status.status_code is StatusCode.ERROR
    assert chat.attributes is not None
    assert chat.attributes["error.type"] == "ScriptExhaustedError"


class OverridingClient(ScriptedChatCompletionClient):
    """A subclass whose create calls super(): still one span per call."""

    async def create(self, messages: Sequence[Any], **kwargs: Any) -> CreateResult:
        return await super().create(messages, **kwargs)


async def test_subclass_calling_super_is_traced_once(exporter: InMemorySpanExporter) -> None:
    client = OverridingClient(["one"])
    await client.create([UserMessage(content="hi", source="u")])
    assert [span.name for span in exporter.get_finished_spans()] == ["chat scripted"]


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


async def test_tool_span_has_genai_attributes(exporter: InMemorySpanExporter) -> None:
    tool = FunctionTool(add, description="Add two numbers")
    assert await tool.run_json({"a": 2, "b": 3}, CancellationToken(), call_id="call-1") == 5
    span = by_name(exporter.get_finished_spans(), "execute_tool add")
    assert span.attributes is not None
    assert dict(span.attributes) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.system": "retinue",
        "gen_ai.tool.name": "add",
        "gen_ai.tool.call.id": "call-1",
        "gen_ai.tool.description": "Add two numbers",
    }


async def test_content_is_captured_only_when_asked(
    exporter: InMemorySpanExporter, settings: pytest.MonkeyPatch
) -> None:
    tool = FunctionTool(add, description="Add")
    client = ScriptedChatCompletionClient(["first answer", "second answer"])
    await client.create([UserMessage(content="private question", source="u")])
    await tool.run_json({"a": 1, "b": 1}, CancellationToken())
    assert all(
        "private question" not in str(dict(span.attributes or {}))
        and "gen_ai.tool.call.arguments" not in (span.attributes or {})
        for span in exporter.get_finished_spans()
    )
    exporter.clear()

    settings.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    telemetry.reload_settings()
    await client.create([UserMessage(content="private question", source="u")])
    await tool.run_json({"a": 1, "b": 1}, CancellationToken())
    spans = exporter.get_finished_spans()
    chat = by_name(spans, "chat scripted")
    assert chat.attributes is not None
    assert "private question" in chat.attributes["gen_ai.input.messages"]
    assert chat.attributes["gen_ai.output.messages"] == "second answer"
    tool_span = by_name(spans, "execute_tool add")
    assert tool_span.attributes is not None
    assert tool_span.attributes["gen_ai.tool.call.arguments"] == '{"a": 1, "b": 1}'
    assert tool_span.attributes["gen_ai.tool.call.result"] == "2"


async def test_tracing_off_globally(
    exporter: InMemorySpanExporter, settings: pytest.MonkeyPatch
) -> None:
    settings.setenv("RETINUE_TRACING", "off")
    telemetry.reload_settings()
    runtime = InProcessRuntime()
    await Answerer.register(runtime, "answerer", Answerer)
    runtime.start()
    await runtime.send_message(Question("x"), AgentId("answerer", "a"))
    await ScriptedChatCompletionClient(["ok"]).create([UserMessage(content="hi", source="u")])
    with telemetry.trace_invoke_agent_span("quiet") as span:
        span.set_attribute("ignored", True)
    await runtime.close()
    assert exporter.get_finished_spans() == ()
    assert telemetry.tracing_enabled() is False


def test_an_unknown_runtime_tracing_mode_is_a_clear_error(settings: pytest.MonkeyPatch) -> None:
    settings.setenv("RETINUE_TRACING_RUNTIME", "sometimes")
    with pytest.raises(ConfigurationError, match=r"RETINUE_TRACING_RUNTIME='sometimes'.*traced"):
        telemetry.reload_settings()


async def test_tracing_off_per_plugin(
    exporter: InMemorySpanExporter, settings: pytest.MonkeyPatch
) -> None:
    settings.setenv("RETINUE_TRACING_DISABLED_PLUGINS", "scripted, other")
    telemetry.reload_settings()
    await ScriptedChatCompletionClient(["ok"]).create([UserMessage(content="hi", source="u")])
    tool = FunctionTool(add, description="Add")
    tool.tracing = False  # type: ignore[attr-defined]
    await tool.run_json({"a": 1, "b": 2}, CancellationToken())
    assert exporter.get_finished_spans() == ()
    await FunctionTool(add, description="Add").run_json({"a": 1, "b": 2}, CancellationToken())
    assert [span.name for span in exporter.get_finished_spans()] == ["execute_tool add"]


class KeyedClient(ScriptedChatCompletionClient):
    """A client holding an API key, as provider clients do."""

    def __init__(self, replies: Sequence[Any]) -> None:
        super().__init__(replies)
        self._api_key = SECRET


async def test_secrets_never_appear_in_spans(
    exporter: InMemorySpanExporter, settings: pytest.MonkeyPatch
) -> None:
    settings.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    telemetry.reload_settings()
    client = KeyedClient(["fine"])
    with telemetry.trace_invoke_agent_span("keyed"):
        await client.create([UserMessage(content="hello", source="u")])
    spans = exporter.get_finished_spans()
    assert spans
    for span in spans:
        rendered = f"{span.name} {dict(span.attributes or {})} {span.events} {span.status}"
        assert SECRET not in rendered


async def test_trace_context_travels_as_w3c_headers(exporter: InMemorySpanExporter) -> None:
    with telemetry.trace_invoke_agent_span("outer") as outer:
        carrier = telemetry.inject_trace_context()
    assert "traceparent" in carrier
    tracer = telemetry.get_tracer()
    with telemetry.start_span(
        tracer, "remote", parent_context=telemetry.extract_trace_context(carrier)
    ) as remote:
        pass
    assert remote.get_span_context().trace_id == outer.get_span_context().trace_id
    assert parent_of(by_name(exporter.get_finished_spans(), "remote")) == (
        outer.get_span_context().span_id
    )


class Shouting(ModelCallInterceptor):
    async def before_model_call(self, request: ModelCallRequest) -> ModelCallRequest:
        return request.replace(messages=[UserMessage(content="REWRITTEN", source="mw")])

    async def after_model_call(
        self, request: ModelCallRequest, result: CreateResult
    ) -> CreateResult:
        return result.model_copy(update={"content": f"{result.content}!"})


class Doubling(ToolCallInterceptor):
    async def before_tool_call(self, request: ToolCallRequest) -> ToolCallRequest:
        return request.replace(arguments={k: v * 2 for k, v in request.arguments.items()})

    async def after_tool_call(self, request: ToolCallRequest, result: Any) -> Any:
        return result + 1000


class InterceptorPlugin:
    from retinue import hookimpl

    @hookimpl
    def retinue_model_call_interceptors(self, client: Any) -> list[Any]:
        return [Shouting()]

    @hookimpl
    def retinue_tool_call_interceptors(self, tool: Any) -> list[Any]:
        return [Doubling()]


@pytest.fixture
def interceptor_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    import retinue.plugins

    manager = retinue.plugins.PluginManager(strict=True)
    manager.add_plugin(InterceptorPlugin(), "interceptors-under-test")
    monkeypatch.setattr(retinue.plugins, "_manager", manager)


async def test_plugin_interceptors_wrap_model_and_tool_calls(interceptor_plugin: None) -> None:
    client = ScriptedChatCompletionClient(["answer", ["a", "b"]])
    result = await client.create([UserMessage(content="original", source="u")])
    assert result.content == "answer!"
    assert client.requests[0].messages[0].content == "REWRITTEN"
    streamed = [item async for item in client.create_stream([UserMessage(content="x", source="u")])]
    assert isinstance(streamed[-1], CreateResult)
    assert streamed[-1].content == "ab!"
    tool = FunctionTool(add, description="Add")
    assert await tool.run_json({"a": 1, "b": 2}, CancellationToken()) == 1006


def test_a_provider_configured_later_is_honoured() -> None:
    """Without a provider nothing is recorded; the global provider set later is used."""
    script = textwrap.dedent(
        """
        import asyncio
        from dataclasses import dataclass
        from retinue import telemetry
        from retinue.runtime import (
            AgentId, InProcessRuntime, MessageContext, RoutedAgent, message_handler,
        )

        @dataclass
        class Ping:
            n: int

        class Echo(RoutedAgent):
            @message_handler
            async def on_ping(self, message: Ping, ctx: MessageContext) -> int:
                return message.n

        async def main():
            runtime = InProcessRuntime()
            await Echo.register(runtime, "echo", Echo)
            runtime.start()
            await runtime.send_message(Ping(1), AgentId("echo", "k"))
            before = telemetry.tracing_enabled()
            from opentelemetry import trace
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import SimpleSpanProcessor
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
            exporter = InMemorySpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            trace.set_tracer_provider(provider)
            await runtime.send_message(Ping(2), AgentId("echo", "k"))
            await runtime.close()
            print(before, sorted(s.name for s in exporter.get_finished_spans()))

        asyncio.run(main())
        """
    )
    env = {**os.environ, "RETINUE_TRACING_RUNTIME": "all"}
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()
    assert output == "False ['process echo/k', 'send echo/k']"
