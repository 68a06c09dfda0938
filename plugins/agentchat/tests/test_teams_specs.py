"""Team specs: every team dumps and loads (JSON and YAML), and AutoGen's team JSON runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from retinue import ComponentLoadError, dump_component, load_component
from retinue.chat import Team
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat.agents import AssistantAgent
from retinue_agentchat.conditions import MaxMessageTermination, TextMentionTermination
from retinue_agentchat.teams import (
    DiGraphBuilder,
    GraphFlow,
    RoundRobinGroupChat,
    SelectorGroupChat,
    Swarm,
)


def assistant(name: str, replies: list[Any], **kwargs: Any) -> AssistantAgent:
    return AssistantAgent(name, ScriptedChatCompletionClient(replies), **kwargs)


def teams() -> list[Team]:
    stop = TextMentionTermination("TERMINATE") | MaxMessageTermination(6)
    a, b = assistant("a", ["hi"]), assistant("b", ["TERMINATE"])
    graph = DiGraphBuilder().add_node(a).add_node(b)
    graph.add_conditional_edges(a, {"hi": b}).set_entry_point(a)
    return [
        RoundRobinGroupChat(
            [assistant("a", ["hi"]), assistant("b", ["TERMINATE"])],
            termination_condition=stop,
            max_turns=5,
        ),
        SelectorGroupChat(
            [assistant("a", ["hi"]), assistant("b", ["TERMINATE"])],
            ScriptedChatCompletionClient(["b"]),
            termination_condition=stop,
            allow_repeated_speaker=True,
        ),
        Swarm([assistant("a", ["hi"], handoffs=["b"]), assistant("b", ["TERMINATE"])], max_turns=3),
        GraphFlow(graph.get_participants(), graph=graph.build(), max_turns=4),
    ]


@pytest.mark.parametrize("team", teams(), ids=lambda t: type(t).__name__)
def test_every_team_round_trips_through_json_and_yaml(team: Team) -> None:
    import yaml

    spec = dump_component(team)
    assert spec.kind == "team"
    for text in (json.dumps(spec.model_dump()), yaml.safe_dump(spec.model_dump())):
        loaded = load_component(text, Team)
        assert type(loaded) is type(team)
        assert loaded.dump_component() == spec


async def test_a_loaded_team_runs_like_the_original() -> None:
    original = teams()[0]
    loaded = load_component(dump_component(original), Team)
    result = await loaded.run(task="go")
    assert [m.source for m in result.messages] == ["user", "a", "b"]
    assert result.stop_reason == "Text 'TERMINATE' mentioned"


def autogen_agent(name: str, replies: list[str]) -> dict[str, Any]:
    return {
        "provider": "autogen_agentchat.agents.AssistantAgent",
        "component_type": "agent",
        "version": 2,
        "component_version": 2,
        "description": "An agent that provides assistance with tool use.",
        "label": "AssistantAgent",
        "config": {
            "name": name,
            "model_client": {
                "provider": "autogen_ext.models.replay.ReplayChatCompletionClient",
                "component_type": "replay_chat_completion_client",
                "version": 1,
                "component_version": 1,
                "config": {"chat_completions": replies},
            },
            "tools": [],
            "handoffs": [],
            "model_context": {
                "provider": "autogen_core.model_context.UnboundedChatCompletionContext",
                "component_type": "chat_completion_context",
                "version": 1,
                "component_version": 1,
                "config": {},
            },
            "description": "An agent that provides assistance with tool use.",
            "system_message": "You are a helpful AI assistant.",
            "model_client_stream": False,
            "reflect_on_tool_use": False,
            "tool_call_summary_format": "{result}",
            "metadata": {},
        },
    }


AUTOGEN_ROUND_ROBIN = {
    "provider": "autogen_agentchat.teams.RoundRobinGroupChat",
    "component_type": "team",
    "version": 1,
    "component_version": 1,
    "description": "A team that runs a group chat with participants taking turns.",
    "label": "RoundRobinGroupChat",
    "config": {
        "participants": [
            autogen_agent("writer", ["A draft."]),
            autogen_agent("critic", ["APPROVE"]),
        ],
        "termination_condition": {
            "provider": "autogen_agentchat.conditions.TextMentionTermination",
            "component_type": "termination",
            "version": 1,
            "component_version": 1,
            "config": {"text": "APPROVE"},
        },
        "emit_team_events": False,
    },
}


async def test_autogen_round_robin_json_loads_and_runs() -> None:
    team = load_component(json.dumps(AUTOGEN_ROUND_ROBIN), Team)
    assert isinstance(team, RoundRobinGroupChat)
    result = await team.run(task="Write a slogan.")
    assert [m.source for m in result.messages] == ["user", "writer", "critic"]
    assert result.stop_reason == "Text 'APPROVE' mentioned"


def test_a_participant_spec_that_is_not_an_agent_is_refused_with_its_index() -> None:
    spec = dump_component(teams()[0]).model_dump()
    spec["config"]["participants"][1] = {"provider": "max_message", "config": {"max_messages": 2}}
    with pytest.raises(ComponentLoadError, match=r"participants\[1\] \('max_message'\)"):
        load_component(spec, Team)


def test_a_bad_team_field_names_its_path() -> None:
    spec = dump_component(teams()[0]).model_dump()
    spec["config"]["max_turns"] = "forever"
    with pytest.raises(ComponentLoadError, match="max_turns"):
        load_component(spec, Team)


def autogen_team(cls: str, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "provider": f"autogen_agentchat.teams.{cls}",
        "component_type": "team",
        "version": 1,
        "component_version": 1,
        "label": cls,
        "config": config,
    }


async def test_autogen_selector_json_loads_and_runs() -> None:
    spec = autogen_team(
        "SelectorGroupChat",
        {
            "participants": [autogen_agent("planner", ["plan"]), autogen_agent("coder", ["code"])],
            "model_client": autogen_agent("x", [])["config"]["model_client"]
            | {"config": {"chat_completions": ["coder"]}},
            "termination_condition": None,
            "max_turns": 1,
            "selector_prompt": "Pick from {participants} given {roles}:\n{history}",
            "allow_repeated_speaker": False,
            "max_selector_attempts": 3,
            "emit_team_events": False,
            "model_client_streaming": False,
        },
    )
    team = load_component(spec, Team)
    result = await team.run(task="build")
    assert [m.source for m in result.messages] == ["user", "coder"]


async def test_autogen_graph_flow_json_loads_and_runs() -> None:
    edge = {
        "target": "b",
        "condition": None,
        "activation_group": "b",
        "activation_condition": "all",
    }
    spec = autogen_team(
        "GraphFlow",
        {
            "participants": [autogen_agent("a", ["first"]), autogen_agent("b", ["second"])],
            "termination_condition": None,
            "max_turns": None,
            "graph": {
                "nodes": {
                    "a": {"name": "a", "edges": [edge], "activation": "all"},
                    "b": {"name": "b", "edges": [], "activation": "all"},
                },
                "default_start_node": "a",
            },
        },
    )
    team = load_component(spec, Team)
    result = await team.run(task="go")
    assert [m.source for m in result.messages] == ["user", "a", "b"]
    assert result.stop_reason == "Digraph execution is complete"
