"""``retinue run --trace otlp`` exports the run's spans over OTLP/HTTP to the endpoint
named by the standard ``OTEL_EXPORTER_OTLP_*`` variables (a local collector stand-in)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from retinue.testing.wire import RawResponse, RecordedRequest, ScriptedResponse, WireServer

REPO = Path(__file__).resolve().parents[3]
TASK = "How many words are in 'the quick brown fox', and what is 2**10?"


def _accept(request: RecordedRequest) -> ScriptedResponse:
    return RawResponse(b"", status=200, headers={"content-type": "application/x-protobuf"})


def test_trace_otlp_sends_the_runs_spans_to_the_configured_endpoint() -> None:
    with WireServer(fallback=_accept) as collector:
        env = {
            **os.environ,
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.base_url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from retinue.cli import main; sys.exit(main())",
                "run",
                str(REPO / "examples" / "coding_team.yaml"),
                "--task",
                TASK,
                "--trace",
                "otlp",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=120,
        )
        requests = collector.requests
    assert done.returncode == 0, done.stderr
    exports = [r for r in requests if r.method == "POST" and r.path == "/v1/traces"]
    assert exports, f"no OTLP export reached the collector: {[r.path for r in requests]}"
    names = set()
    for request in exports:
        batch = ExportTraceServiceRequest.FromString(request.body)
        for resource_spans in batch.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                names.update(span.name for span in scope_spans.spans)
    assert "invoke_agent coder" in names, names
    assert any(name.startswith("chat ") for name in names), names
    assert "execute_tool calculator" in names, names
