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
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from ._errors import ConfigurationError

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer, TracerProvider

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

TRACER_NAME = "retinue"
GEN_AI_SYSTEM = "retinue"
_OFF_VALUES = {"off", "false", "0", "no", "disabled"}
_MISSING = object()


_RUNTIME_MODES = ("traced", "all", "off")


class _Settings:
    __slots__ = ("capture_content", "disabled_plugins", "enabled", "env_provider", "runtime_mode")

    def __init__(self) -> None:
        self.enabled = os.environ.get("RETINUE_TRACING", "on").strip().lower() not in _OFF_VALUES
        mode = os.environ.get("RETINUE_TRACING_RUNTIME", "traced").strip().lower()
        if mode in _OFF_VALUES:
            mode = "off"
        if mode not in _RUNTIME_MODES:
            raise ConfigurationError(
                f"RETINUE_TRACING_RUNTIME={mode!r} is not one of {', '.join(_RUNTIME_MODES)}"
            )
        self.runtime_mode = mode
        raw = os.environ.get("RETINUE_TRACING_DISABLED_PLUGINS", "")
        self.disabled_plugins = frozenset(p.strip() for p in raw.split(",") if p.strip())
        capture = os.environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "")
        self.capture_content = capture.strip().lower() == "true"
        # OpenTelemetry can also build its global provider from this variable on first use.
        self.env_provider = "OTEL_PYTHON_TRACER_PROVIDER" in os.environ


_settings = _Settings()
_override_provider: TracerProvider | None = None
_tracers: dict[int, tuple[TracerProvider, Tracer]] = {}
_get_current_span: Any = None  # opentelemetry.trace.get_current_span, imported on first use


def reload_settings() -> None:
    """Re-read the ``RETINUE_TRACING*`` and ``OTEL_INSTRUMENTATION_GENAI_*`` variables."""
    global _settings
    _settings = _Settings()


def set_tracer_provider(provider: TracerProvider | None) -> None:
    """Use ``provider`` for retinue's spans instead of the OpenTelemetry global one.

    ``None`` goes back to the global provider.  Handy in tests, where the global
    provider can be set only once per process.
    """
    global _override_provider
    _override_provider = provider


def _configured_provider() -> TracerProvider | None:
    if _override_provider is not None:
        return _override_provider
    otel_trace: Any = sys.modules.get("opentelemetry.trace")
    if otel_trace is None:
        # Nobody imported the tracing API, so nobody can have set a provider: stay cheap.
        if not _settings.env_provider:
            return None
        import opentelemetry.trace as otel_trace
    # The API keeps the provider set with trace.set_tracer_provider() in this module
    # global; reading it is far cheaper than get_tracer_provider() on every message.
    provider = getattr(otel_trace, "_TRACER_PROVIDER", _MISSING)
    if provider is None and not _settings.env_provider:
        return None
    if provider is _MISSING or provider is None:
        current = otel_trace.get_tracer_provider()
        return None if isinstance(current, otel_trace.ProxyTracerProvider) else current
    return cast("TracerProvider", provider)


def get_tracer(provider: TracerProvider | None = None) -> Tracer | None:
    """retinue's tracer, or ``None`` when tracing is off or no provider is configured."""
    if not _settings.enabled:
        return None
    if provider is None:
        provider = _configured_provider()
        if provider is None:
            return None
    cached = _tracers.get(id(provider))
    if cached is not None and cached[0] is provider:
        return cached[1]
    from . import __version__

    tracer = provider.get_tracer(TRACER_NAME, __version__)
    _tracers[id(provider)] = (provider, tracer)
    return tracer


def get_runtime_tracer(provider: TracerProvider | None = None) -> Tracer | None:
    """The tracer for a runtime message span now, or ``None`` (see ``RETINUE_TRACING_RUNTIME``)."""
    settings = _settings
    if not settings.enabled or settings.runtime_mode == "off":
        return None
    if settings.runtime_mode == "traced":
        # Checked first: it is the cheapest way to learn that nothing would be recorded.
        global _get_current_span
        current_span = _get_current_span
        if current_span is None:
            if "opentelemetry.trace" not in sys.modules and _override_provider is None:
                return None  # nobody imported the tracing API, so nothing is recording
            from opentelemetry.trace import get_current_span

            current_span = _get_current_span = get_current_span
        if not current_span().is_recording():
            return None
    return get_tracer(provider)


def tracing_enabled() -> bool:
    """Whether retinue would record spans right now."""
    return get_tracer() is not None


def capture_message_content() -> bool:
    """Whether message content may be recorded (the GenAI content-capture variable is true)."""
    return _settings.capture_content


def plugin_tracing_enabled(obj: Any) -> bool:
    """Whether model/tool spans are wanted for ``obj`` (its plugin is not switched off)."""
    if getattr(obj, "tracing", True) is False:
        return False
    disabled = _settings.disabled_plugins
    if not disabled:
        return True
    module_root = type(obj).__module__.split(".", 1)[0]
    if module_root.startswith("retinue_") and module_root[len("retinue_") :] in disabled:
        return False
    provider = getattr(type(obj), "component_provider", None)
    return provider not in disabled


def record_error(span: Span, error: BaseException) -> None:
    """Mark ``span`` as failed with ``error.type`` (the exception class, never its args)."""
    if span.is_recording():
        from opentelemetry.trace import Status, StatusCode

        span.set_attribute("error.type", type(error).__qualname__)
        span.set_status(Status(StatusCode.ERROR, type(error).__qualname__))


class _NonRecordingSpan:
    """What the span helpers yield when tracing is off: accepts everything, keeps nothing."""

    def is_recording(self) -> bool:
        return False

    def set_attribute(self, key: str, value: Any) -> None:
        return None

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        return None

    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None) -> None:
        return None

    def set_status(self, *args: Any, **kwargs: Any) -> None:
        return None

    def update_name(self, name: str) -> None:
        return None


NON_RECORDING_SPAN: Any = _NonRecordingSpan()
"""Yielded by the span helpers when tracing is off."""


@contextmanager
def start_span(
    tracer: Tracer | None,
    name: str,
    *,
    kind: str = "internal",
    attributes: Mapping[str, Any] | None = None,
    parent_context: Context | None = None,
) -> Iterator[Span]:
    """A current span (``kind``: internal, client, producer, consumer); errors set ``error.type``.

    With ``tracer=None`` this creates nothing and yields :data:`NON_RECORDING_SPAN`.
    """
    if tracer is None:
        yield NON_RECORDING_SPAN
        return
    from opentelemetry.trace import SpanKind

    with tracer.start_as_current_span(
        name,
        context=parent_context,
        kind=SpanKind[kind.upper()],
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except BaseException as exc:
            record_error(span, exc)
            raise


def current_trace_context() -> Context:
    """The current OpenTelemetry context, to parent spans started later elsewhere."""
    from opentelemetry import context

    return context.get_current()


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
