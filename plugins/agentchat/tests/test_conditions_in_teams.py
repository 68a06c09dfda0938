"""Termination conditions inside a team whose agent really calls tools."""

from __future__ import annotations

import asyncio

from retinue.chat import TaskResult, ToolCallExecutionEvent, ToolCallRequestEvent
from retinue.models import FunctionCall
from retinue.testing import ScriptedChatAgent, ScriptedChatCompletionClient
from retinue.tools import FunctionTool
from retinue_agentchat import AssistantAgent
from retinue_agentchat.conditions import FunctionCallTermination, MaxMessageTermination
from retinue_agentchat.teams import RoundRobinGroupChat


def approve(reason: str) -> str:
    """Approve the plan."""
    return f"approved: {reason}"


def reject(reason: str) -> str:
    """Reject the plan."""
    return f"rejected: {reason}"


def planner(tool_name: str) -> AssistantAgent:
    """An assistant whose model calls ``tool_name`` once, then answers in text."""
    call = FunctionCall(id="call-1", name=tool_name, arguments='{"reason": "fine"}')
    client = ScriptedChatCompletionClient([[call], "plain answer"])
    tools = [
        FunctionTool(approve, description="Approve."),
        FunctionTool(reject, description="Reject."),
    ]
    return AssistantAgent("planner", client, tools=tools)


def sources(result: TaskResult) -> list[str]:
    return [m.source for m in result.messages]


async def test_function_call_termination_stops_the_team_once_the_tool_ran() -> None:
    critic = ScriptedChatAgent("critic", ["keep going"])
    team = RoundRobinGroupChat(
        [planner("approve"), critic],
        termination_condition=FunctionCallTermination("approve"),
        max_turns=4,
    )
    result = await asyncio.wait_for(team.run(task="plan"), timeout=30)
    assert result.stop_reason == "Function 'approve' was executed."
    assert critic.turns == 0
    executed = [m for m in result.messages if isinstance(m, ToolCallExecutionEvent)]
    assert [r.content for r in executed[0].content] == ["approved: fine"]


async def test_function_call_termination_ignores_other_tools() -> None:
    critic = ScriptedChatAgent("critic", ["keep going"])
    team = RoundRobinGroupChat(
        [planner("reject"), critic],
        termination_condition=FunctionCallTermination("approve"),
        max_turns=2,
    )
    result = await asyncio.wait_for(team.run(task="plan"), timeout=30)
    assert result.stop_reason == "Maximum number of turns 2 reached."
    assert critic.turns == 1


async def test_include_agent_event_counts_the_tool_events_of_a_turn() -> None:
    # The planner's turn is a tool call request, its execution and a summary: three
    # messages with the events, one without; with the task, 4 against 2.
    counting_events = RoundRobinGroupChat(
        [planner("approve"), ScriptedChatAgent("critic", ["ok"])],
        termination_condition=MaxMessageTermination(4, include_agent_event=True),
    )
    result = await asyncio.wait_for(counting_events.run(task="plan"), timeout=30)
    assert sources(result) == ["user", "planner", "planner", "planner"]
    assert isinstance(result.messages[1], ToolCallRequestEvent)
    assert result.stop_reason == "Maximum number of messages 4 reached, current message count: 4"

    chat_only = RoundRobinGroupChat(
        [planner("approve"), ScriptedChatAgent("critic", ["ok"])],
        termination_condition=MaxMessageTermination(4),
    )
    result = await asyncio.wait_for(chat_only.run(task="plan"), timeout=30)
    assert sources(result)[-1] == "planner" and sources(result).count("critic") == 1
    assert result.stop_reason == "Maximum number of messages 4 reached, current message count: 4"
