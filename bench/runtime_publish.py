"""Publish deliveries per second: each message fans out to 10 subscribed agents.

python bench/runtime_publish.py --framework retinue|autogen
"""

from __future__ import annotations

from _harness import Ping, best_rate, emit, framework_api, parse_args, run, timer

BENCH_FRAMEWORKS = ("retinue", "autogen")
SUBSCRIBERS = 10


async def main() -> None:
    args = parse_args(__doc__ or "", BENCH_FRAMEWORKS, 5_000)
    api = framework_api(args.framework)

    async def once(n: int) -> float:
        runtime = api.Runtime()
        for index in range(SUBSCRIBERS):
            await api.Echo.register(runtime, f"sub{index}", api.Echo)
            await runtime.add_subscription(api.TypeSubscription("bench", f"sub{index}"))
        topic = api.TopicId("bench", "default")
        runtime.start()
        start = timer()
        for i in range(n):
            await runtime.publish_message(Ping(i), topic)
        await runtime.stop_when_idle()
        elapsed = timer() - start
        await runtime.close()
        return elapsed / SUBSCRIBERS  # rate = deliveries, not publishes

    rate = await best_rate(once, args.n, args.repeat)
    emit("runtime_publish", args.framework, rate, "deliveries/s", subscribers=SUBSCRIBERS)


if __name__ == "__main__":
    run(main)
