"""Magentic-One orchestrator overhead per round: retinue vs AutoGen 0.7.5, same ledgers.

One participant with a canned reply; a scripted model answers the orchestrator with the
same script on both frameworks: facts, plan, ``--rounds`` progress ledgers naming the
participant, a ledger saying the request is satisfied, and the final answer.  The model
costs nothing, so the time is the orchestrator's own work per round: building the
ledger prompt and context, parsing and checking the ledger, the instruction message,
the runtime messages to and from the participant, and the output stream.

The team is built once, warmed up by one run, then reset and run ``--repeats`` times.

    python bench/m1_overhead.py --framework retinue
    python bench/m1_overhead.py --framework autogen   # needs autogen-agentchat==0.7.5

Prints one JSON line:
{"bench": "m1_overhead", "framework": ..., "rounds": N, "value": <us per round>,
 "median": ..., "unit": "us/round"}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

BENCH_FRAMEWORKS = ("retinue", "autogen")

REPLY = "I did the step you asked for."
MODEL_INFO = {
    "vision": False,
    "function_calling": False,
    "json_output": False,
    "structured_output": False,
    "family": "unknown",
}


def ledger(satisfied: bool) -> str:
    return json.dumps(
        {
            "is_request_satisfied": {
                "reason": "Done." if satisfied else "Not yet.",
                "answer": satisfied,
            },
            "is_in_loop": {"reason": "No.", "answer": False},
            "is_progress_being_made": {"reason": "Yes.", "answer": True},
            "next_speaker": {"reason": "The only one.", "answer": "worker"},
            "instruction_or_question": {"reason": "Next.", "answer": "Do the next step."},
        }
    )


def script(rounds: int) -> list[str]:
    return ["Facts.", "Plan.", *[ledger(False)] * rounds, ledger(True), "Final answer."]


def retinue_team(rounds: int, repeats: int) -> Any:
    from retinue.testing import ScriptedChatAgent, ScriptedChatCompletionClient
    from retinue_magentic_one import MagenticOneGroupChat

    client = ScriptedChatCompletionClient(script(rounds), model_info=MODEL_INFO, cycle=True)
    worker = ScriptedChatAgent("worker", [REPLY], description="Does any step.")
    return MagenticOneGroupChat([worker], model_client=client, max_turns=rounds + 10)


def autogen_team(rounds: int, repeats: int) -> Any:
    from autogen_agentchat.agents import BaseChatAgent
    from autogen_agentchat.base import Response
    from autogen_agentchat.messages import TextMessage
    from autogen_agentchat.teams import MagenticOneGroupChat
    from autogen_ext.models.replay import ReplayChatCompletionClient

    class Worker(BaseChatAgent):
        @property
        def produced_message_types(self) -> Any:
            return (TextMessage,)

        async def on_messages(self, messages: Any, cancellation_token: Any) -> Any:
            return Response(chat_message=TextMessage(content=REPLY, source=self.name))

        async def on_reset(self, cancellation_token: Any) -> None:
            return None

    client = ReplayChatCompletionClient(script(rounds) * (repeats + 1), model_info=MODEL_INFO)
    worker = Worker("worker", description="Does any step.")
    return MagenticOneGroupChat([worker], model_client=client, max_turns=rounds + 10)


async def measure(team: Any, rounds: int, repeats: int) -> tuple[float, float]:
    """Fastest and median microseconds per round over ``repeats`` runs after a warm-up."""
    timings = []
    for attempt in range(repeats + 1):
        await team.reset()
        started = time.perf_counter()
        result = await team.run(task="Do the task in steps.")
        elapsed = time.perf_counter() - started
        replies = [m for m in result.messages if m.source == "worker"]
        assert len(replies) == rounds, (len(replies), result.stop_reason)
        if attempt:
            timings.append(elapsed / rounds)
    return min(timings) * 1e6, statistics.median(timings) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=BENCH_FRAMEWORKS, default="retinue")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    build = retinue_team if args.framework == "retinue" else autogen_team
    team = build(args.rounds, args.repeats)
    best, median = asyncio.run(measure(team, args.rounds, args.repeats))
    line = {
        "bench": "m1_overhead",
        "framework": args.framework,
        "rounds": args.rounds,
        "value": round(best, 1),
        "median": round(median, 1),
        "unit": "us/round",
    }
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
