"""Framework cost per team message: retinue vs AutoGen 0.7.5, same team, scripted model.

Two assistant agents answer from a scripted model (retinue's ScriptedChatCompletionClient,
AutoGen's ReplayChatCompletionClient), so the time measured is the framework's own:
runtime messaging, the group chat manager, agents, termination checks.

    python bench/agentchat_team_overhead.py --framework retinue
    python bench/agentchat_team_overhead.py --framework autogen   # in an env with autogen-agentchat

Prints one JSON line per team kind:
{"bench": "team_overhead", "framework": ..., "team": "round_robin"|"selector_func",
 "messages": N, "us_per_message": ...}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

REPLIES = ["Here is my contribution to the discussion."]


def _names_alternate(thread: Any) -> str:
    last = thread[-1].source if thread else "user"
    return "b" if last == "a" else "a"


def retinue_team(kind: str, messages: int) -> Any:
    from retinue.testing import ScriptedChatCompletionClient
    from retinue_agentchat.agents import AssistantAgent
    from retinue_agentchat.conditions import MaxMessageTermination
    from retinue_agentchat.teams import RoundRobinGroupChat, SelectorGroupChat

    agents = [
        AssistantAgent(name, ScriptedChatCompletionClient(REPLIES, cycle=True)) for name in "ab"
    ]
    stop = MaxMessageTermination(messages + 1)  # the task counts as one
    if kind == "round_robin":
        return RoundRobinGroupChat(agents, termination_condition=stop)
    return SelectorGroupChat(
        agents,
        ScriptedChatCompletionClient(["a"], cycle=True),
        termination_condition=stop,
        selector_func=_names_alternate,
    )


def autogen_team(kind: str, messages: int) -> Any:
    from autogen_agentchat.agents import AssistantAgent
    from autogen_agentchat.conditions import MaxMessageTermination
    from autogen_agentchat.teams import RoundRobinGroupChat, SelectorGroupChat
    from autogen_ext.models.replay import ReplayChatCompletionClient

    def client() -> Any:
        # The replay client stops at the end of its list: give it enough for every run.
        return ReplayChatCompletionClient(REPLIES * (messages + 1) * 100)

    agents = [AssistantAgent(name, client()) for name in "ab"]
    stop = MaxMessageTermination(messages + 1)
    if kind == "round_robin":
        return RoundRobinGroupChat(agents, termination_condition=stop)
    return SelectorGroupChat(
        agents, client(), termination_condition=stop, selector_func=_names_alternate
    )


async def measure(make: Callable[[str, int], Any], kind: str, messages: int, repeats: int) -> float:
    """Median time per message over ``repeats`` runs of one team (reset between runs).

    The team is built once, as applications do; the first run warms it up.
    """
    team = make(kind, messages)
    timings = []
    for attempt in range(repeats + 1):
        await team.reset()
        started = time.perf_counter()
        result = await team.run(task="Discuss.")
        elapsed = time.perf_counter() - started
        assert len(result.messages) == messages + 1, (kind, len(result.messages))
        if attempt:
            timings.append(elapsed / messages)
    return statistics.median(timings) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=("retinue", "autogen"), default="retinue")
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()
    make = retinue_team if args.framework == "retinue" else autogen_team
    for kind in ("round_robin", "selector_func"):
        us = asyncio.run(measure(make, kind, args.messages, args.repeats))
        line = {
            "bench": "team_overhead",
            "framework": args.framework,
            "team": kind,
            "messages": args.messages,
            "us_per_message": round(us, 1),
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
