"""The limit: a bare asyncio round trip (queue put, consumer task, future result).

    python bench/asyncio_baseline.py

This is what any queued RPC on asyncio costs at least; ``runtime_send`` must stay
within 3x of it.
"""

from __future__ import annotations

import asyncio

from _harness import Ping, best_rate, emit, parse_args, run, timer

BENCH_FRAMEWORKS = ("asyncio",)


async def main() -> None:
    args = parse_args(__doc__ or "", BENCH_FRAMEWORKS, 100_000)
    queue: asyncio.Queue[tuple[Ping, asyncio.Future[int]]] = asyncio.Queue()

    async def consumer() -> None:
        while True:
            message, future = await queue.get()
            future.set_result(message.value)

    worker = asyncio.ensure_future(consumer())
    loop = asyncio.get_running_loop()

    async def once(n: int) -> float:
        start = timer()
        for i in range(n):
            future: asyncio.Future[int] = loop.create_future()
            queue.put_nowait((Ping(i), future))
            await future
        return timer() - start

    rate = await best_rate(once, args.n, args.repeat)
    worker.cancel()
    emit("asyncio_baseline", args.framework, rate, "round_trips/s")


if __name__ == "__main__":
    run(main)
