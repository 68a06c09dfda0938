"""Send round trips per second with 1000 in flight (1000 concurrent senders, one agent).

python bench/runtime_send_inflight.py --framework retinue|autogen
"""

from __future__ import annotations

import asyncio

from _harness import Ping, best_rate, emit, framework_api, parse_args, run, timer

BENCH_FRAMEWORKS = ("retinue", "autogen")
IN_FLIGHT = 1000


async def main() -> None:
    args = parse_args(__doc__ or "", BENCH_FRAMEWORKS, 20_000)
    api = framework_api(args.framework)
    runtime = api.Runtime()
    await api.Echo.register(runtime, "echo", api.Echo)
    runtime.start()
    recipient = api.AgentId("echo", "default")

    async def sender(count: int) -> None:
        for i in range(count):
            await runtime.send_message(Ping(i), recipient)

    async def once(n: int) -> float:
        start = timer()
        await asyncio.gather(*(sender(max(n // IN_FLIGHT, 1)) for _ in range(IN_FLIGHT)))
        return timer() - start

    n = max(args.n // IN_FLIGHT, 1) * IN_FLIGHT
    rate = await best_rate(once, n, args.repeat)
    await runtime.stop_when_idle()
    emit("runtime_send_inflight", args.framework, rate, "round_trips/s", in_flight=IN_FLIGHT)


if __name__ == "__main__":
    run(main)
