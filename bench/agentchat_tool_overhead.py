"""Framework cost per tool call: retinue vs AutoGen 0.7.5, same tool, no real model.

Three measurements of one function tool, ``add(a, b)``:

* ``workbench``: ``StaticWorkbench.call_tool`` straight (argument validation, the
  call in a worker thread, as both frameworks run sync functions, result conversion,
  tracing hooks);
* ``workbench_async``: the same with ``async def add``, which runs on the loop: the
  framework's own cost without the thread hop;
* ``agent``: an ``AssistantAgent`` whose scripted model asks for the tool on every
  step (``max_tool_iterations``), so each call also costs one agent/model round; the
  sync ``add`` runs in a worker thread in both frameworks;
* ``agent_async``: the same agent with ``async def add``: the framework's own cost per
  tool call through an agent, without the thread hop (which is the same in both
  frameworks and, on a loaded machine, the largest and noisiest part of ``agent``).

    python bench/agentchat_tool_overhead.py --framework retinue
    python bench/agentchat_tool_overhead.py --framework autogen  # needs autogen-agentchat==0.7.5

Prints one JSON line per measurement:
{"bench": "tool_overhead", "framework": ..., "path": ..., "calls": N,
 "value": <microseconds per call>, "unit": "us/call"}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def add_async(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


ARGS = '{"a": 1, "b": 2}'


async def timed(
    run: Callable[[], Awaitable[None]], calls: int, repeats: int
) -> tuple[float, float]:
    """Fastest and median microseconds per call over ``repeats`` runs of ``calls`` calls.

    After a warm-up; the fastest run is the value (see agentchat_team_overhead.py).
    """
    timings = []
    for attempt in range(repeats + 1):
        started = time.perf_counter()
        await run()
        if attempt:
            timings.append((time.perf_counter() - started) / calls)
    return min(timings) * 1e6, statistics.median(timings) * 1e6


def retinue_runs(calls: int) -> dict[str, Callable[[], Awaitable[None]]]:
    from retinue.models import FunctionCall
    from retinue.testing import ScriptedChatCompletionClient
    from retinue.tools import FunctionTool, StaticWorkbench
    from retinue_agentchat.agents import AssistantAgent

    workbench = StaticWorkbench(
        [
            FunctionTool(add, description="Add two integers."),
            FunctionTool(add_async, description="Add two integers."),
        ]
    )

    def call_workbench(name: str) -> Callable[[], Awaitable[None]]:
        async def calls_in_a_row() -> None:
            for _ in range(calls):
                result = await workbench.call_tool(name, {"a": 1, "b": 2})
                assert not result.is_error

        return calls_in_a_row

    def call_through_agent(func: Callable[..., Any]) -> Callable[[], Awaitable[None]]:
        # Built once, as applications do; each run builds a fresh agent and model script.
        tool = FunctionTool(func, name="add", description="Add two integers.")

        async def one_run() -> None:
            script: list[Any] = [
                [FunctionCall(id=str(i), name="add", arguments=ARGS)] for i in range(calls)
            ]
            agent = AssistantAgent(
                "calc",
                ScriptedChatCompletionClient([*script, "done"]),
                tools=[tool],
                max_tool_iterations=calls + 1,
            )
            await agent.run(task="add things")

        return one_run

    return {
        "workbench": call_workbench("add"),
        "workbench_async": call_workbench("add_async"),
        "agent": call_through_agent(add),
        "agent_async": call_through_agent(add_async),
    }


def autogen_runs(calls: int) -> dict[str, Callable[[], Awaitable[None]]]:
    # The replay client warns on every tool-call reply; keep the output to the JSON lines.
    logging.disable(logging.WARNING)
    from autogen_agentchat.agents import AssistantAgent
    from autogen_core import FunctionCall
    from autogen_core.models import CreateResult, RequestUsage
    from autogen_core.tools import FunctionTool, StaticWorkbench
    from autogen_ext.models.replay import ReplayChatCompletionClient

    workbench = StaticWorkbench(
        [
            FunctionTool(add, description="Add two integers."),
            FunctionTool(add_async, description="Add two integers."),
        ]
    )
    info: Any = {
        "vision": False,
        "function_calling": True,
        "json_output": False,
        "family": "unknown",
        "structured_output": False,
    }

    def call_workbench(name: str) -> Callable[[], Awaitable[None]]:
        async def calls_in_a_row() -> None:
            for _ in range(calls):
                result = await workbench.call_tool(name, {"a": 1, "b": 2})
                assert not result.is_error

        return calls_in_a_row

    def call_through_agent(func: Callable[..., Any]) -> Callable[[], Awaitable[None]]:
        # Built once, as applications do; each run builds a fresh agent and model script.
        tool = FunctionTool(func, name="add", description="Add two integers.")

        async def one_run() -> None:
            usage = RequestUsage(prompt_tokens=0, completion_tokens=0)
            script: list[Any] = [
                CreateResult(
                    finish_reason="function_calls",
                    content=[FunctionCall(id=str(i), name="add", arguments=ARGS)],
                    usage=usage,
                    cached=False,
                )
                for i in range(calls)
            ]
            agent = AssistantAgent(
                "calc",
                ReplayChatCompletionClient([*script, "done"], model_info=info),
                tools=[tool],
                max_tool_iterations=calls + 1,
            )
            await agent.run(task="add things")

        return one_run

    return {
        "workbench": call_workbench("add"),
        "workbench_async": call_workbench("add_async"),
        "agent": call_through_agent(add),
        "agent_async": call_through_agent(add_async),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=("retinue", "autogen"), default="retinue")
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()
    runs = (retinue_runs if args.framework == "retinue" else autogen_runs)(args.calls)
    for path, run in runs.items():
        best, median = asyncio.run(timed(run, args.calls, args.repeats))
        line = {
            "bench": "tool_overhead",
            "framework": args.framework,
            "path": path,
            "calls": args.calls,
            "value": round(best, 1),
            "median": round(median, 1),
            "unit": "us/call",
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
