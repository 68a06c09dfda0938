"""Team states saved by AutoGen 0.7.5's ``team.save_state()`` load into retinue teams.

``tests/autogen_specs/states/`` holds, per team kind, the state AutoGen saved after a
first run and the messages AutoGen's team produced when run once more
(``tests/autogen_specs/generate.py``).  A retinue team built the same way loads the
state and must produce the same continuation.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from retinue import StateError
from retinue.chat import BufferedChatCompletionContext
from retinue.models import FunctionCall, LLMMessage
from retinue.testing import ScriptedChatCompletionClient
from retinue.tools import FunctionTool
from retinue_agentchat import (
    AssistantAgent,
    RoundRobinGroupChat,
    SelectorGroupChat,
    Swarm,
)
from retinue_agentchat.teams import BaseGroupChat

STATES = Path(__file__).parent / "autogen_specs" / "states"


def saved(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((STATES / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def word_count(text: str) -> int:
    """Count the words in a text."""
    return len(text.split())


def writer(*replies: str) -> AssistantAgent:
    return AssistantAgent(
        "writer",
        model_client=ScriptedChatCompletionClient(list(replies)),
        system_message="You write short texts.",
        tools=[FunctionTool(word_count, description="Count the words in a text.")],
    )


def critic(*replies: str) -> AssistantAgent:
    return AssistantAgent(
        "critic",
        model_client=ScriptedChatCompletionClient(list(replies)),
        system_message="You review texts.",
        model_context=BufferedChatCompletionContext(buffer_size=5),
    )


def the_same_teams() -> dict[str, BaseGroupChat]:
    """The teams generate.py saved, with the replies AutoGen's had left after saving."""
    return {
        "round_robin_team_state": RoundRobinGroupChat(
            [writer("The final text."), critic("Good.")], max_turns=2
        ),
        "selector_team_state": SelectorGroupChat(
            [writer("The final text."), critic("Good.")],
            model_client=ScriptedChatCompletionClient(["writer", "critic"]),
            max_turns=2,
        ),
        "swarm_team_state": Swarm(
            [
                AssistantAgent(
                    "alice",
                    model_client=ScriptedChatCompletionClient(["unused"]),
                    handoffs=["bob"],
                ),
                AssistantAgent(
                    "bob",
                    model_client=ScriptedChatCompletionClient(["Bob again.", "Bob once more."]),
                ),
            ],
            max_turns=2,
        ),
    }


def texts(messages: Any) -> list[dict[str, str]]:
    return [{"source": m.source, "text": m.to_text()} for m in messages]


@pytest.mark.parametrize("name", sorted(the_same_teams()))
async def test_an_autogen_team_state_loads_and_the_team_continues_like_autogen(name: str) -> None:
    fixture = saved(name)
    team = the_same_teams()[name]
    await asyncio.wait_for(team.load_state(fixture["state"]), timeout=60)
    result = await asyncio.wait_for(team.run(), timeout=60)
    assert texts(result.messages) == fixture["continuation"]


async def test_the_loaded_thread_and_contexts_are_autogens() -> None:
    fixture = saved("round_robin_team_state")
    autogen_agents = fixture["state"]["agent_states"]
    team = the_same_teams()["round_robin_team_state"]
    await asyncio.wait_for(team.load_state(fixture["state"]), timeout=60)
    state = await team.save_state()
    manager = state["agent_states"]["RoundRobinGroupChatManager"]
    autogen_manager = autogen_agents["RoundRobinGroupChatManager"]
    # retinue's thread holds chat messages only; AutoGen's holds its events too.
    assert [m["id"] for m in manager["message_thread"]] == [
        m["id"] for m in autogen_manager["message_thread"] if not m["type"].endswith("Event")
    ]
    assert manager["next_speaker_index"] == autogen_manager["next_speaker_index"]
    for name in ("writer", "critic"):
        assert (
            state["agent_states"][name]["agent_state"]["llm_context"]
            == autogen_agents[name]["agent_state"]["llm_context"]
        )
    # The writer's next model call sees AutoGen's context: its tool call and result.
    await asyncio.wait_for(team.run(), timeout=60)
    client = team_writer_client(team)
    request: list[LLMMessage] = client.requests[0].messages
    calls = [m.content for m in request if isinstance(m.content, list)]
    assert any(isinstance(c, FunctionCall) and c.name == "word_count" for m in calls for c in m)


def team_writer_client(team: BaseGroupChat) -> ScriptedChatCompletionClient:
    writer_agent = next(p for p in team.participants if p.name == "writer")
    assert isinstance(writer_agent, AssistantAgent)
    client = writer_agent.model_client
    assert isinstance(client, ScriptedChatCompletionClient)
    return client


def corrupted(state: dict[str, Any], where: str) -> dict[str, Any]:
    broken = copy.deepcopy(state)
    agents = broken["agent_states"]
    if where == "a participant's context":
        agents["critic"]["agent_state"]["llm_context"]["messages"][0]["type"] = "NoSuchMessage"
    elif where == "the manager's thread":
        agents["RoundRobinGroupChatManager"]["message_thread"][-1]["type"] = "NoSuchMessage"
    elif where == "a missing participant":
        del agents["critic"]
    else:
        agents["SelectorGroupChatManager"] = agents.pop("RoundRobinGroupChatManager")
    return broken


@pytest.mark.parametrize(
    "where",
    ["a participant's context", "the manager's thread", "a missing participant", "another team"],
)
async def test_a_corrupt_autogen_team_state_is_refused_and_changes_nothing(where: str) -> None:
    team = the_same_teams()["round_robin_team_state"]
    await asyncio.wait_for(team.run(task="A first task."), timeout=60)
    before = await team.save_state()
    broken = corrupted(saved("round_robin_team_state")["state"], where)
    with pytest.raises(StateError):
        await asyncio.wait_for(team.load_state(broken), timeout=60)
    assert await team.save_state() == before


async def test_an_autogen_assistant_agent_state_loads_into_the_agent() -> None:
    autogen_state = saved("round_robin_team_state")["state"]["agent_states"]["writer"]
    agent = writer("The final text.")
    await agent.load_state(autogen_state["agent_state"])
    assert (await agent.save_state())["llm_context"] == autogen_state["agent_state"]["llm_context"]


def test_plugin_teams_use_only_public_agentchat_names() -> None:
    # Teams in other distributions build on retinue_agentchat.teams' public exports.
    import retinue_agentchat.teams as teams

    root = Path(__file__).parents[1]
    for name in ("BaseGroupChatManager", "GroupChatSetup", "GroupChatConfig", "GroupChatReset"):
        assert name in teams.__all__ and getattr(teams, name).__name__ == name
    sources = [*root.glob("plugins/*/src/**/*.py"), *root.glob("contrib/*/src/**/*.py")]
    private = [
        str(path.relative_to(root))
        for path in sources
        if "retinue_agentchat" not in path.parts
        and "retinue_agentchat.teams._" in path.read_text(encoding="utf-8")
    ]
    assert private == []
