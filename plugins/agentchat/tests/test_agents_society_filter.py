"""SocietyOfMindAgent (an inner team answers through one summary call) and MessageFilterAgent."""

from __future__ import annotations

import json

import pytest
from retinue import CancellationToken, ConfigurationError, load_component
from retinue.chat import HandoffMessage, TextMessage
from retinue.models import UserMessage
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat import (
    AssistantAgent,
    MessageFilterAgent,
    MessageFilterConfig,
    PerSourceFilter,
    SocietyOfMindAgent,
)
from retinue_agentchat.teams import RoundRobinGroupChat


def inner_team() -> RoundRobinGroupChat:
    writer = AssistantAgent("writer", ScriptedChatCompletionClient(["draft"], cycle=True))
    editor = AssistantAgent("editor", ScriptedChatCompletionClient(["edited"], cycle=True))
    return RoundRobinGroupChat([writer, editor], max_turns=2)


async def test_society_of_mind_runs_the_team_and_summarizes() -> None:
    client = ScriptedChatCompletionClient(["final answer"])
    agent = SocietyOfMindAgent("society", inner_team(), client)

    result = await agent.run(task="write a haiku")

    inner_sources = [m.source for m in result.messages[1:-1]]
    assert inner_sources == ["writer", "editor"]
    reply = result.messages[-1]
    assert isinstance(reply, TextMessage) and reply.content == "final answer"
    sent = client.requests[0].messages
    assert "transcript" in sent[0].content
    assert [m.content for m in sent[1:3]] == ["draft", "edited"]
    assert "standalone answer" in sent[-1].content


async def test_society_of_mind_passes_earlier_turns_to_the_team() -> None:
    client = ScriptedChatCompletionClient(["one", "two"])
    team = inner_team()
    agent = SocietyOfMindAgent("society", team, client)
    await agent.run(task="first task")

    writer_client = team._participants[0].model_client  # type: ignore[attr-defined]
    await agent.run(task="second task")

    # after the reset the writer's context starts from the handoff context
    last = writer_client.requests[-1].messages
    assert UserMessage(content="first task", source="user") in last
    assert UserMessage(content="second task", source="user") in last


async def test_society_of_mind_state_and_spec_round_trip() -> None:
    agent = SocietyOfMindAgent("society", inner_team(), ScriptedChatCompletionClient(["done"]))
    await agent.run(task="go")

    state = json.loads(json.dumps(await agent.save_state()))
    loaded = load_component(agent.dump_component().model_dump_json(), SocietyOfMindAgent)
    await loaded.load_state(state)

    assert loaded.dump_component().config["name"] == "society"
    assert (await loaded.model_context.get_messages())[0].content == "go"


def test_society_of_mind_refuses_non_teams() -> None:
    with pytest.raises(ConfigurationError, match="team must be a Team"):
        SocietyOfMindAgent("s", "a team", ScriptedChatCompletionClient([]))  # type: ignore[arg-type]


async def test_message_filter_shows_only_selected_messages_in_order() -> None:
    client = ScriptedChatCompletionClient(["seen"])
    inner = AssistantAgent("critic", client, system_message=None)
    agent = MessageFilterAgent(
        "critic",
        inner,
        filter=MessageFilterConfig(
            per_source=[
                PerSourceFilter(source="user", position="first", count=1),
                PerSourceFilter(source="writer", position="last", count=1),
            ]
        ),
    )
    messages = [
        TextMessage(content="task", source="user"),
        TextMessage(content="draft 1", source="writer"),
        TextMessage(content="noise", source="other"),
        TextMessage(content="follow-up", source="user"),
        TextMessage(content="draft 2", source="writer"),
    ]

    response = await agent.on_messages(messages, CancellationToken())

    assert response.chat_message.content == "seen"
    assert [m.content for m in client.requests[0].messages] == ["task", "draft 2"]
    assert agent.produced_message_types == inner.produced_message_types


async def test_message_filter_stream_state_and_spec() -> None:
    inner = AssistantAgent("critic", ScriptedChatCompletionClient(["ok", "ok"]))
    config = MessageFilterConfig(per_source=[PerSourceFilter(source="user")])
    agent = MessageFilterAgent("critic", inner, filter=config)

    items = [i async for i in agent.run_stream(task="hello")]
    assert items[-1].messages[-1].content == "ok"

    loaded = load_component(agent.dump_component().model_dump(), MessageFilterAgent)
    await loaded.load_state(json.loads(json.dumps(await agent.save_state())))
    assert loaded.apply_filter([TextMessage(content="x", source="bot")]) == []
    assert (await loaded.wrapped_agent.model_context.get_messages())[0].content == "hello"


def test_message_filter_refuses_bad_arguments() -> None:
    inner = AssistantAgent("critic", ScriptedChatCompletionClient([]))
    with pytest.raises(ConfigurationError, match="wrapped_agent must be a ChatAgent"):
        MessageFilterAgent("f", object(), MessageFilterConfig(per_source=[]))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="filter must be a MessageFilterConfig"):
        MessageFilterAgent("f", inner, {"per_source": []})  # type: ignore[arg-type]


async def test_handoff_message_into_society_reaches_the_team() -> None:
    client = ScriptedChatCompletionClient(["summary"])
    agent = SocietyOfMindAgent("society", inner_team(), client)
    handoff = HandoffMessage(content="take over", target="society", source="boss")

    response = await agent.on_messages([handoff], CancellationToken())

    assert response.chat_message.content == "summary"
