"""A writer with tools and a critic in a team, run through the Console, saved and resumed.

    python examples/multi_agent_team.py            # first run: writes a haiku, saves the team
    python examples/multi_agent_team.py            # second run: loads the team, revises it
    python examples/multi_agent_team.py --fresh    # forget the saved team and start over

The team's state (both agents' conversations and the team's own) is saved to
``team_state.json`` in the current directory (``--state PATH`` to choose), so the
second run is a new process that continues where the first one stopped.

The model is the testing kit's SCRIPTED client: its replies are written below, so this
runs offline with no API key, while the tools, the team, the Console and the saved state
are all real. To use a real model, change the one line marked in ``model_client``
(``pip install retinue-openai`` and set ``OPENAI_API_KEY``); the scripts then go unused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from pathlib import Path

import retinue
from retinue.models import ChatCompletionClient, FunctionCall
from retinue.testing import ScriptedReply
from retinue_agentchat import (
    AssistantAgent,
    Console,
    MaxMessageTermination,
    RoundRobinGroupChat,
    TextMentionTermination,
)

# --- tools: plain functions; their type hints and docstrings become the tool schema ---


def count_syllables(line: str) -> int:
    """Count the syllables of an English line (vowel groups, a silent final 'e' aside)."""
    total = 0
    for word in re.findall(r"[a-z]+", line.lower()):
        groups = len(re.findall(r"[aeiouy]+", word))
        if word.endswith("e") and not word.endswith(("le", "ee")) and groups > 1:
            groups -= 1
        total += max(groups, 1)
    return total


def rhymes_with(word: str) -> list[str]:
    """A few words that rhyme with ``word`` (a tiny offline dictionary)."""
    endings = {
        "ide": ["tide", "wide", "glide", "side"],
        "ea": ["sea", "free", "plea"],
        "ore": ["shore", "more", "roar"],
    }
    return next((words for end, words in endings.items() if word.endswith(end)), [])


# --- the model: scripted replies, one list per agent and per run ---

FIRST_DRAFT = "Grey waves fold and break\nsalt wind combs the quiet dunes\nthe sea keeps its time"
REVISED = "Grey waves fold and break\nsalt wind combs the quiet dunes\nthe moon pulls the tide"

SCRIPTS: dict[str, dict[str, list[ScriptedReply]]] = {
    "first run": {
        "writer": [
            [
                FunctionCall(
                    id="call_1",
                    name="count_syllables",
                    arguments='{"line": "salt wind combs the quiet dunes"}',
                )
            ],
            FIRST_DRAFT,
        ],
        "critic": ["Five, seven, five: the form holds. APPROVE"],
    },
    "resumed run": {
        "writer": [
            [FunctionCall(id="call_2", name="rhymes_with", arguments=json.dumps({"word": "tide"}))],
            REVISED,
        ],
        "critic": ["The tide closes it better than before. APPROVE"],
    },
}


def model_client(agent: str, run: str) -> ChatCompletionClient:
    """The model an agent talks to in this run."""
    # For a real model, replace the next line with (pip install retinue-openai; OPENAI_API_KEY):
    #     return retinue.create("model_client", "openai", model="gpt-4o")
    return retinue.create("model_client", "scripted", replies=SCRIPTS[run][agent])


def build_team(run: str) -> RoundRobinGroupChat:
    """A writer that uses tools and a critic that approves, taking turns."""
    writer = AssistantAgent(
        "writer",
        model_client("writer", run),
        tools=[count_syllables, rhymes_with],
        reflect_on_tool_use=True,  # after a tool call, the model writes the reply
        system_message="You write haiku. Check syllables with count_syllables.",
    )
    critic = AssistantAgent(
        "critic",
        model_client("critic", run),
        system_message="You review haiku. Reply APPROVE when the haiku is good.",
    )
    team = RoundRobinGroupChat(
        [writer, critic],
        termination_condition=TextMentionTermination("APPROVE") | MaxMessageTermination(10),
    )
    return team


async def main(state_file: Path, fresh: bool) -> None:
    """Run the team once: from scratch, or from the state a previous run saved."""
    if fresh:
        state_file.unlink(missing_ok=True)
    if not state_file.exists():
        team = build_team("first run")
        await Console(team.run_stream(task="Write a haiku about the sea."), output_stats=True)
    else:
        team = build_team("resumed run")
        await team.load_state(json.loads(state_file.read_text(encoding="utf-8")))
        print(f"Resumed the team saved in {state_file}.")
        await Console(team.run_stream(task="Make the last line about the tide."), output_stats=True)
    state_file.write_text(json.dumps(await team.save_state(), indent=2), encoding="utf-8")
    print(f"Saved the team to {state_file}; run again to continue.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, default=Path("team_state.json"), help="state file")
    parser.add_argument("--fresh", action="store_true", help="ignore a saved state")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.state, arguments.fresh))
