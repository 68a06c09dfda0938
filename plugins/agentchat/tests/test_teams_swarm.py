"""Swarm: handoffs move the conversation; bad handoffs are reported and the team recovers."""

from __future__ import annotations

import pytest
from retinue import ConfigurationError
from retinue.chat import HandoffMessage, TaskResult
from retinue.models import FunctionCall
from retinue.testing import ScriptedChatAgent, ScriptedChatCompletionClient, TeamConformance
from retinue_agentchat.agents import AssistantAgent
from retinue_agentchat.conditions import (
    HandoffTermination,
    MaxMessageTermination,
    TextMentionTermination,
)
from retinue_agentchat.teams import Swarm, TeamRunError


def handoff(target: str) -> list[FunctionCall]:
    return [FunctionCall(id=f"call_{target}", name=f"transfer_to_{target}", arguments="{}")]


def agent(name: str, replies: list[object], handoffs: list[str]) -> AssistantAgent:
    return AssistantAgent(
        name,
        ScriptedChatCompletionClient(replies),
        handoffs=handoffs,  # type: ignore[arg-type]
    )


def sources(result: TaskResult) -> list[str]:
    return [m.source for m in result.messages if not type(m).__name__.endswith("Event")]


class TestSwarmConformance(TeamConformance):
    @pytest.fixture
    def team(self) -> Swarm:
        return Swarm(
            [
                AssistantAgent(
                    "triage", ScriptedChatCompletionClient(["ok"], cycle=True), handoffs=["refunds"]
                ),
                ScriptedChatAgent("refunds", ["done"], delay=0.01),
            ],
            max_turns=2,
        )


async def test_handoffs_pass_the_floor_and_handoff_termination_stops() -> None:
    triage = agent("triage", [handoff("refunds")], ["refunds", "user"])
    refunds = agent("refunds", ["Refund issued.", handoff("user")], ["triage", "user"])
    team = Swarm([triage, refunds], termination_condition=HandoffTermination("user"))
    result = await team.run(task="I want my money back")
    # refunds keeps the floor after its text reply, then hands off to the user.
    assert sources(result) == ["user", "triage", "refunds", "refunds"]
    assert isinstance(result.messages[-1], HandoffMessage)
    assert result.stop_reason == "Handoff to user from refunds detected."
    # Without a handoff the current speaker keeps the floor.
    team2 = Swarm(
        [
            agent("triage", [handoff("refunds")], ["refunds"]),
            ScriptedChatAgent("refunds", ["a", "b"]),
        ],
        termination_condition=MaxMessageTermination(4),
    )
    assert sources(await team2.run(task="x")) == ["user", "triage", "refunds", "refunds"]


async def test_the_next_run_continues_with_the_current_speaker() -> None:
    team = Swarm(
        [agent("triage", [handoff("refunds")], ["refunds"]), ScriptedChatAgent("refunds", ["a"])],
        max_turns=2,
    )
    await team.run(task="x")
    result = await team.run(task="more")
    assert sources(result) == ["user", "refunds", "refunds"]


async def test_handoff_to_an_absent_agent_is_reported_and_the_team_recovers() -> None:
    triage = agent("triage", [handoff("billing"), "Let me help.", "Anything else?"], ["billing"])
    team = Swarm([triage, ScriptedChatAgent("refunds", ["a"])], max_turns=2)
    with pytest.raises(
        TeamRunError, match="'triage' handed off to 'billing', which is not a participant"
    ):
        await team.run(task="x")
    result = await team.run(task="try again")
    assert sources(result) == ["user", "triage", "triage"]


async def test_a_task_handing_off_to_a_stranger_is_refused() -> None:
    team = Swarm(
        [agent("triage", ["hi"], ["refunds"]), ScriptedChatAgent("refunds", ["a"])], max_turns=1
    )
    task = HandoffMessage(content="over to you", source="user", target="nobody")
    with pytest.raises(TeamRunError, match="'nobody', which is not a participant"):
        await team.run(task=task)


def test_the_first_participant_must_be_able_to_hand_off() -> None:
    with pytest.raises(ConfigurationError, match="able to hand off"):
        Swarm([ScriptedChatAgent("a", ["x"]), agent("b", ["y"], ["a"])])


async def test_a_swarm_runs_when_every_message_crosses_a_process_boundary() -> None:
    # serialize_messages encodes and decodes each message as the gRPC runtime would.
    from retinue.runtime import InProcessRuntime

    runtime = InProcessRuntime(serialize_messages=True)
    triage = agent("triage", [handoff("refunds")], ["refunds"])
    team = Swarm(
        [triage, ScriptedChatAgent("refunds", ["done"], fail_on=1)], max_turns=2, runtime=runtime
    )
    runtime.start()
    try:
        result = await team.run(task="refund please")
        assert [type(m).__name__ for m in result.messages] == [
            "TextMessage",
            "ToolCallRequestEvent",
            "ToolCallExecutionEvent",
            "HandoffMessage",
            "TextMessage",
        ]
        with pytest.raises(TeamRunError, match="'refunds' failed: RuntimeError"):
            await team.run(task="again")
    finally:
        await runtime.stop()


async def test_the_users_handoff_resumes_the_swarm_with_its_target() -> None:
    triage_client = ScriptedChatCompletionClient([handoff("refunds"), "Back with triage. DONE"])
    triage = AssistantAgent("triage", triage_client, handoffs=["refunds", "user"])
    refunds = agent("refunds", [handoff("user")], ["triage", "user"])
    team = Swarm(
        [triage, refunds],
        termination_condition=HandoffTermination("user") | TextMentionTermination("DONE"),
    )
    first = await team.run(task="I want my money back")
    assert first.stop_reason == "Handoff to user from refunds detected."
    assert refunds.name == first.messages[-1].source
    # The user answers by handing the floor to triage, not to refunds (who spoke last).
    answer = HandoffMessage(content="Order 42, please check it.", source="user", target="triage")
    resumed = await team.run(task=answer)
    assert sources(resumed) == ["user", "triage"]
    assert resumed.messages[-1].to_text() == "Back with triage. DONE"
    # triage's model is handed the user's handoff text.
    last_request = triage_client.requests[-1]
    assert "Order 42, please check it." in str(last_request.messages)
