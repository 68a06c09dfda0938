"""OpenTelemetry SDK set-up for ``retinue run --trace`` (the optional ``[trace]`` extra)."""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retinue import ConfigurationError

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider

__all__ = ["tracer_provider_for"]

_INSTALL_SDK = "install it with: pip install 'retinue-agentchat[trace]'"


def tracer_provider_for(target: str) -> TracerProvider:
    """A provider that exports to ``target``: a ``.jsonl`` file path, or ``otlp``."""
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError as exc:
        raise ConfigurationError(f"--trace needs the OpenTelemetry SDK; {_INSTALL_SDK}") from exc
    provider = TracerProvider(resource=Resource.create({"service.name": "retinue"}))
    if target == "otlp":
        provider.add_span_processor(BatchSpanProcessor(_otlp_exporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(_jsonl_exporter(Path(target))))
    return provider


def _otlp_exporter() -> Any:
    # The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, _PROTOCOL, ... itself.
    for protocol in ("http", "grpc"):
        try:
            module = importlib.import_module(
                f"opentelemetry.exporter.otlp.proto.{protocol}.trace_exporter"
            )
        except ImportError:
            continue
        return module.OTLPSpanExporter()
    raise ConfigurationError(
        "--trace otlp needs an OTLP exporter; install it with: pip install "
        "opentelemetry-exporter-otlp (then set OTEL_EXPORTER_OTLP_ENDPOINT), or "
        "write spans to a file with --trace spans.jsonl"
    )


def _jsonl_exporter(path: Path) -> Any:
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    if path.suffix != ".jsonl":
        raise ConfigurationError(
            f"--trace {path}: give a file ending in .jsonl (one span per line), or 'otlp'"
        )
    try:
        stream = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"--trace {path}: cannot write the file: {exc}") from exc

    class JsonLinesSpanExporter(SpanExporter):
        """Writes each finished span as one JSON object per line."""

        def __init__(self) -> None:
            self._lock = threading.Lock()

        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            with self._lock:
                for span in spans:
                    stream.write(json.dumps(json.loads(span.to_json())) + "\n")
                stream.flush()
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            stream.close()

    return JsonLinesSpanExporter()
