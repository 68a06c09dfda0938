"""OpenTelemetry tracing for retinue (API only: which SDK and exporter to use is yours).

What is traced:

* the runtime: ``send``, ``publish``, ``process`` and ``create`` spans, with the trace
  context carried in each message envelope, so publish -> handler -> send is one trace;
* model calls: ``chat {model}`` spans with the GenAI semantic-convention attributes
  (model, provider, token usage, finish reasons), added automatically to every
  :class:`~retinue.models.ChatCompletionClient` subclass;
* tool calls: ``execute_tool {name}`` spans around every ``Tool.run_json``;
* agents: :func:`trace_invoke_agent_span` / :func:`trace_create_agent_span`, used by the
  AgentChat layer.

Switches (read at import; call :func:`reload_settings` after changing them):

* ``RETINUE_TRACING=off`` turns every retinue span off;
* ``RETINUE_TRACING_RUNTIME=traced|all|off`` chooses the runtime's message spans:
  ``traced`` (the default) records them only for messages sent or published while a
  span is recording (inside an agent or team run, or a span of yours), so each trace
  shows its messages without one root trace per internal message; ``all`` records
  every message; ``off`` none;
* ``RETINUE_TRACING_DISABLED_PLUGINS=openai,mcp`` turns off model/tool spans of those
  plugins (matched against the provider name and the ``retinue_<plugin>`` package);
  an object with the attribute ``tracing = False`` is not traced either;
* ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`` records message content
  (prompts, completions, tool arguments and results); it is off by default.

When no tracer provider is configured (neither the OpenTelemetry global one nor one
given to :func:`set_tracer_provider`) every helper takes a fast path that creates
nothing.  A provider configured later is picked up at the next operation.
Secrets are never recorded: spans carry names, ids and counts, and content only on
request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ._spans import (
    NON_RECORDING_SPAN,
    capture_message_content,
    current_trace_context,
    get_runtime_tracer,
    get_tracer,
    plugin_tracing_enabled,
    record_error,
    reload_settings,
    set_tracer_provider,
    start_span,
    tracing_enabled,
)

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer

__all__ = [
    "NON_RECORDING_SPAN",
    "capture_message_content",
    "content_attribute",
    "current_trace_context",
    "extract_trace_context",
    "get_runtime_tracer",
    "get_tracer",
    "inject_trace_context",
    "plugin_tracing_enabled",
    "record_error",
    "reload_settings",
    "set_tracer_provider",
    "start_span",
    "trace_chat_span",
    "trace_create_agent_span",
    "trace_invoke_agent_span",
    "trace_tool_span",
    "tracing_enabled",
]

GEN_AI_SYSTEM = "retinue"


def _agent_attributes(
    operation: str, agent_name: str, agent_id: str | None, description: str | None
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.system": GEN_AI_SYSTEM,
        "gen_ai.agent.name": agent_name,
    }
    if agent_id is not None:
        attributes["gen_ai.agent.id"] = agent_id
    if description is not None:
        attributes["gen_ai.agent.description"] = description
    return attributes


@contextmanager
def trace_invoke_agent_span(
    agent_name: str, *, agent_id: str | None = None, description: str | None = None
) -> Iterator[Span]:
    """An ``invoke_agent {agent_name}`` span (CLIENT) around one agent or team run.

    Yields the span (a non-recording one when tracing is off), which is current inside
    the block, so model and tool spans nest under it.
    """
    with start_span(
        get_tracer(),
        f"invoke_agent {agent_name}",
        kind="client",
        attributes=_agent_attributes("invoke_agent", agent_name, agent_id, description),
    ) as span:
        yield span


@contextmanager
def trace_create_agent_span(
    agent_name: str, *, agent_id: str | None = None, description: str | None = None
) -> Iterator[Span]:
    """A ``create_agent {agent_name}`` span (CLIENT) around building an agent."""
    with start_span(
        get_tracer(),
        f"create_agent {agent_name}",
        kind="client",
        attributes=_agent_attributes("create_agent", agent_name, agent_id, description),
    ) as span:
        yield span


@contextmanager
def trace_chat_span(
    model: str, provider_name: str, *, tracer: Tracer | None = None
) -> Iterator[Span]:
    """A ``chat {model}`` span (CLIENT) around one model call; set usage on the span after."""
    with start_span(
        tracer if tracer is not None else get_tracer(),
        f"chat {model}",
        kind="client",
        attributes=_chat_attributes(model, provider_name),
    ) as span:
        yield span


def open_chat_span(model: str, provider_name: str, *, tracer: Tracer) -> tuple[Span, Context]:
    """A started ``chat {model}`` span that is *not* current, and a context holding it.

    For streams: the span stays open while the consumer reads, but only the steps of the
    provider's stream run in its context (so the consumer's own spans between chunks are
    not its children).  End it with ``span.end()``.
    """
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind

    span = tracer.start_span(
        f"chat {model}", kind=SpanKind.CLIENT, attributes=_chat_attributes(model, provider_name)
    )
    return span, trace.set_span_in_context(span)


def _chat_attributes(model: str, provider_name: str) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": GEN_AI_SYSTEM,
        "gen_ai.request.model": model,
        "gen_ai.provider.name": provider_name,
    }


@contextmanager
def trace_tool_span(
    tool_name: str,
    *,
    call_id: str | None = None,
    description: str | None = None,
    tracer: Tracer | None = None,
) -> Iterator[Span]:
    """An ``execute_tool {tool_name}`` span (INTERNAL) around one tool call."""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.system": GEN_AI_SYSTEM,
        "gen_ai.tool.name": tool_name,
    }
    if call_id is not None:
        attributes["gen_ai.tool.call.id"] = call_id
    if description:
        attributes["gen_ai.tool.description"] = description
    with start_span(
        tracer if tracer is not None else get_tracer(),
        f"execute_tool {tool_name}",
        kind="internal",
        attributes=attributes,
    ) as span:
        yield span


def content_attribute(value: Any) -> str:
    """Render message content for a span attribute (only used when capture is on)."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=_dump_default)
    except (TypeError, ValueError):
        return repr(value)


def _dump_default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return str(value)


def inject_trace_context(carrier: dict[str, str] | None = None) -> dict[str, str]:
    """Write the current trace context (W3C ``traceparent``/``tracestate``) into ``carrier``."""
    from opentelemetry.propagate import inject

    carrier = {} if carrier is None else carrier
    inject(carrier)
    return carrier


def extract_trace_context(carrier: Mapping[str, str]) -> Context:
    """The trace context written by :func:`inject_trace_context`, as a parent for new spans."""
    from opentelemetry.propagate import extract

    return extract(carrier)
