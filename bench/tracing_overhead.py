"""Slowdown of sequential sends when the OpenTelemetry SDK records every span.

    python bench/tracing_overhead.py --framework retinue|autogen

Measures the send rate without a tracer provider, then with the SDK's
``TracerProvider`` and a ``BatchSpanProcessor`` (exporting to nowhere), and prints
the ratio (1.0 = tracing costs nothing).

By default the sends are top-level code with no active trace, which is how the
runtime moves most internal messages; retinue then records no runtime spans (see
``RETINUE_TRACING_RUNTIME``) while AutoGen starts a root trace per message.  With
``--in-trace`` every repeat runs inside a recording parent span, so both frameworks
record a span for every send and every handler: that is the cost of fully traced
messaging, dominated by the SDK's own per-span work.
"""

import argparse
import asyncio
from collections.abc import Sequence

from _harness import Ping, best_rate, emit, framework_api, timer

BENCH_FRAMEWORKS = ("retinue", "autogen")
BENCH_VARIANTS = {"tracing_overhead": [], "tracing_overhead_in_trace": ["--in-trace"]}


def _discarding_provider() -> object:
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    class Discard(SpanExporter):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Discard(), max_queue_size=65536))
    return provider


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--framework", choices=BENCH_FRAMEWORKS, default="retinue")
    parser.add_argument("-n", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--in-trace", action="store_true", help="send inside a recording span")
    args = parser.parse_args()
    traced_phase = False
    api = framework_api(args.framework)

    async def measure() -> float:
        runtime = api.Runtime()
        await api.Echo.register(runtime, "echo", api.Echo)
        runtime.start()
        recipient = api.AgentId("echo", "default")

        async def loop(n: int) -> float:
            start = timer()
            for i in range(n):
                await runtime.send_message(Ping(i), recipient)
            return timer() - start

        async def once(n: int) -> float:
            if not (args.in_trace and traced_phase):
                return await loop(n)
            from opentelemetry import trace

            with trace.get_tracer("bench").start_as_current_span("bench run"):
                return await loop(n)

        rate = await best_rate(once, args.n, args.repeat)
        await runtime.stop_when_idle()
        return rate

    untraced = await measure()
    from opentelemetry import trace

    trace.set_tracer_provider(_discarding_provider())  # type: ignore[arg-type]
    traced_phase = True
    traced = await measure()
    emit(
        "tracing_overhead_in_trace" if args.in_trace else "tracing_overhead",
        args.framework,
        untraced / traced,
        "slowdown_x",
        untraced_rate=round(untraced, 1),
        traced_rate=round(traced, 1),
    )


if __name__ == "__main__":
    asyncio.run(main())
