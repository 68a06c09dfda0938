"""Span plumbing over the OpenTelemetry API: settings, the tracer, ``start_span``.

The runtime traces its messages and the services trace model and tool calls, so this
sits at the bottom of the kernel: it imports nothing above the foundations.  The
public names are those of :mod:`retinue.telemetry`, which hands these on and adds the
GenAI span helpers; read its docstring for the switches.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from ._errors import ConfigurationError
from ._version import __version__

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = [
    "NON_RECORDING_SPAN",
    "TRACER_NAME",
    "capture_message_content",
    "current_trace_context",
    "get_runtime_tracer",
    "get_tracer",
    "plugin_tracing_enabled",
    "record_error",
    "reload_settings",
    "set_tracer_provider",
    "start_span",
    "tracing_enabled",
]

TRACER_NAME = "retinue"
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
