"""Shared helpers for the runtime benchmarks (not a benchmark itself).

Every benchmark script is run as ``python bench/<name>.py --framework retinue|autogen``
and prints exactly one JSON line: ``{"bench", "framework", "value", "unit", ...}``.
The same agent code runs on both frameworks: only the imports differ, which is also
what migrating from AutoGen looks like.
"""

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any


def parse_args(description: str, frameworks: tuple[str, ...], default_n: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--framework", choices=frameworks, default=frameworks[0])
    parser.add_argument("-n", type=int, default=default_n, help="operations per repeat")
    parser.add_argument("--repeat", type=int, default=5, help="repeats; the best one counts")
    return parser.parse_args()


def emit(bench: str, framework: str, value: float, unit: str, **extra: Any) -> None:
    record = {"bench": bench, "framework": framework, "value": round(value, 3), "unit": unit}
    record.update(extra)
    record["python"] = sys.version.split()[0]
    print(json.dumps(record))


async def best_rate(run_once: Callable[[int], Awaitable[float]], n: int, repeats: int) -> float:
    """Operations per second of the fastest of ``repeats`` runs (after one warm-up)."""
    await run_once(max(n // 10, 1))
    rates = []
    for _ in range(repeats):
        elapsed = await run_once(n)
        rates.append(n / elapsed)
    return max(rates)


def timer() -> float:
    return time.perf_counter()


@dataclass
class Ping:
    value: int


def framework_api(framework: str) -> SimpleNamespace:
    """The runtime API of ``framework`` under common names."""
    if framework == "retinue":
        from retinue.runtime import (
            AgentId,
            InProcessRuntime,
            MessageContext,
            RoutedAgent,
            TopicId,
            TypeSubscription,
            message_handler,
        )

        runtime_class: Any = InProcessRuntime
    else:
        from autogen_core import (  # type: ignore[no-redef]
            AgentId,
            MessageContext,
            RoutedAgent,
            SingleThreadedAgentRuntime,
            TopicId,
            TypeSubscription,
            message_handler,
        )

        runtime_class = SingleThreadedAgentRuntime

    class Echo(RoutedAgent):  # type: ignore[misc, valid-type]
        """Answers every ping; counts what it got."""

        def __init__(self) -> None:
            super().__init__("echo")
            self.received = 0

        @message_handler
        async def on_ping(self, message: Ping, ctx: MessageContext) -> int:  # type: ignore[valid-type]
            self.received += 1
            return message.value

    return SimpleNamespace(
        AgentId=AgentId,
        Runtime=runtime_class,
        TopicId=TopicId,
        TypeSubscription=TypeSubscription,
        Echo=Echo,
    )


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(main())
