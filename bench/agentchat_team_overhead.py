"""Framework cost per team message: retinue vs AutoGen 0.7.5, same team, no real model.

Two participants take turns until 40 messages are written.  Two kinds of participant:

* ``assistant``: an ``AssistantAgent`` answering from a scripted model (retinue's
  ``ScriptedChatCompletionClient``, AutoGen's ``ReplayChatCompletionClient``), so the
  time is the whole framework path of a model-backed agent;
* ``minimal``: the smallest chat agent each framework allows (one canned reply), so
  the time is the team machinery alone: runtime messaging, the group chat manager,
  termination checks and the output stream.

Teams are round robin and selector-with-a-selector-function.  Each team is built once
(as applications do), warmed up by one run, then reset and run ``--repeats`` times.

    python bench/agentchat_team_overhead.py --framework retinue
    python bench/agentchat_team_overhead.py --framework autogen  # needs autogen-agentchat==0.7.5

Prints one JSON line per (team, agent):
{"bench": "team_overhead", "framework": ..., "team": ..., "agent": ..., "messages": N,
 "value": <microseconds per message>, "unit": "us/message"}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

REPLY = "Here is my contribution to the discussion."
TEAMS = ("round_robin", "selector_func")
AGENTS = ("minimal", "assistant")


def alternate(thread: Any) -> str:
    """The selector function: a, b, a, b, ..."""
    last = thread[-1].source if thread else "user"
    return "b" if last == "a" else "a"


def retinue_team(team: str, agent: str, messages: int) -> Any:
    from retinue.testing import ScriptedChatAgent, ScriptedChatCompletionClient
    from retinue_agentchat.agents import AssistantAgent
    from retinue_agentchat.conditions import MaxMessageTermination
    from retinue_agentchat.teams import RoundRobinGroupChat, SelectorGroupChat

    def participant(name: str) -> Any:
        if agent == "minimal":
            return ScriptedChatAgent(name, [REPLY])
        return AssistantAgent(name, ScriptedChatCompletionClient([REPLY], cycle=True))

    participants = [participant("a"), participant("b")]
    stop = MaxMessageTermination(messages + 1)  # the task counts as one
    if team == "round_robin":
        return RoundRobinGroupChat(participants, termination_condition=stop)
    return SelectorGroupChat(
        participants,
        ScriptedChatCompletionClient(["a"], cycle=True),
        termination_condition=stop,
        selector_func=alternate,
    )


def autogen_team(team: str, agent: str, messages: int) -> Any:
    from autogen_agentchat.agents import AssistantAgent, BaseChatAgent
    from autogen_agentchat.base import Response
    from autogen_agentchat.conditions import MaxMessageTermination
    from autogen_agentchat.messages import TextMessage
    from autogen_agentchat.teams import RoundRobinGroupChat, SelectorGroupChat
    from autogen_ext.models.replay import ReplayChatCompletionClient

    class Minimal(BaseChatAgent):
        @property
        def produced_message_types(self) -> Any:
            return (TextMessage,)

        async def on_messages(self, messages: Any, cancellation_token: Any) -> Any:
            return Response(chat_message=TextMessage(content=REPLY, source=self.name))

        async def on_reset(self, cancellation_token: Any) -> None:
            return None

    def client() -> Any:
        # The replay client stops at the end of its list: give it enough for every run.
        return ReplayChatCompletionClient([REPLY] * (messages + 1) * 100)

    def participant(name: str) -> Any:
        if agent == "minimal":
            return Minimal(name, description="answers with a canned reply")
        return AssistantAgent(name, client())

    participants = [participant("a"), participant("b")]
    stop = MaxMessageTermination(messages + 1)
    if team == "round_robin":
        return RoundRobinGroupChat(participants, termination_condition=stop)
    return SelectorGroupChat(
        participants, client(), termination_condition=stop, selector_func=alternate
    )


async def measure(team: Any, messages: int, repeats: int) -> tuple[float, float]:
    """Fastest and median microseconds per message over ``repeats`` runs after a warm-up.

    The fastest run is the value (as in the runtime benchmarks): on a shared machine the
    slower runs measure the neighbours more than the framework.
    """
    timings = []
    for attempt in range(repeats + 1):
        await team.reset()
        started = time.perf_counter()
        result = await team.run(task="Discuss.")
        elapsed = time.perf_counter() - started
        assert len(result.messages) == messages + 1, len(result.messages)
        if attempt:
            timings.append(elapsed / messages)
    return min(timings) * 1e6, statistics.median(timings) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=("retinue", "autogen"), default="retinue")
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()
    build: Callable[[str, str, int], Any] = (
        retinue_team if args.framework == "retinue" else autogen_team
    )
    for team_kind in TEAMS:
        for agent in AGENTS:
            team = build(team_kind, agent, args.messages)
            best, median = asyncio.run(measure(team, args.messages, args.repeats))
            line = {
                "bench": "team_overhead",
                "framework": args.framework,
                "team": team_kind,
                "agent": agent,
                "messages": args.messages,
                "value": round(best, 1),
                "median": round(median, 1),
                "unit": "us/message",
            }
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
