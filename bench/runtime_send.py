"""Sequential send round trips per second: one sender awaits each reply before the next.

python bench/runtime_send.py --framework retinue|autogen
"""

from __future__ import annotations

from _harness import Ping, best_rate, emit, framework_api, parse_args, run, timer

BENCH_FRAMEWORKS = ("retinue", "autogen")


async def main() -> None:
    args = parse_args(__doc__ or "", BENCH_FRAMEWORKS, 20_000)
    api = framework_api(args.framework)
    runtime = api.Runtime()
    await api.Echo.register(runtime, "echo", api.Echo)
    runtime.start()
    recipient = api.AgentId("echo", "default")

    async def once(n: int) -> float:
        start = timer()
        for i in range(n):
            await runtime.send_message(Ping(i), recipient)
        return timer() - start

    rate = await best_rate(once, args.n, args.repeat)
    await runtime.stop_when_idle()
    emit("runtime_send", args.framework, rate, "round_trips/s")


if __name__ == "__main__":
    run(main)
