"""AgentTool and TeamTool: agents and teams a model calls with a task."""

from __future__ import annotations

import json

import pytest
from retinue import CancellationToken, ConfigurationError, load_component
from retinue.chat import TextMessage, ToolCallExecutionEvent
from retinue.models import FunctionCall
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat import AgentTool, AssistantAgent, TeamTool
from retinue_agentchat.teams import RoundRobinGroupChat


def call_tool(name: str, task: str) -> FunctionCall:
    return FunctionCall(id="t1", name=name, arguments=json.dumps({"task": task}))


async def test_agent_tool_schema_and_result() -> None:
    expert = AssistantAgent(
        "expert", ScriptedChatCompletionClient(["Paris"]), description="Knows capitals."
    )
    tool = AgentTool(expert)

    assert tool.name == "expert" and tool.description == "Knows capitals."
    assert tool.schema["parameters"]["required"] == ["task"]
    assert tool.schema.get("strict") is True

    result = await tool.run_json({"task": "Capital of France?"}, CancellationToken())
    assert tool.return_value_as_string(result) == "expert: Paris"


async def test_agent_tool_inside_an_assistant_streams_inner_messages() -> None:
    expert = AssistantAgent("expert", ScriptedChatCompletionClient(["Paris"]))
    boss = AssistantAgent(
        "boss",
        ScriptedChatCompletionClient([[call_tool("expert", "Capital of France?")]]),
        tools=[AgentTool(expert, return_value_as_last_message=True)],
    )

    result = await boss.run(task="Ask the expert")

    inner = [m for m in result.messages if isinstance(m, TextMessage) and m.source == "expert"]
    assert [m.content for m in inner] == ["Paris"]
    execution = next(m for m in result.messages if isinstance(m, ToolCallExecutionEvent))
    assert execution.content[0].content == "Paris"
    assert result.messages[-1].content == "Paris"


async def test_team_tool_joins_the_non_user_messages() -> None:
    team = RoundRobinGroupChat(
        [
            AssistantAgent("writer", ScriptedChatCompletionClient(["draft"])),
            AssistantAgent("editor", ScriptedChatCompletionClient(["final"])),
        ],
        max_turns=2,
    )
    tool = TeamTool(team, name="writing_team", description="Writes and edits.")

    result = await tool.run_json({"task": "Write"}, CancellationToken())

    assert tool.return_value_as_string(result) == "writer: draft\n\neditor: final"


async def test_bad_tool_arguments_are_returned_to_the_model() -> None:
    expert = AssistantAgent("expert", ScriptedChatCompletionClient(["unused"]))
    boss = AssistantAgent(
        "boss",
        ScriptedChatCompletionClient(
            [[FunctionCall(id="1", name="expert", arguments='{"question": "x"}')]]
        ),
        tools=[AgentTool(expert)],
    )

    result = await boss.run(task="go")

    execution = next(m for m in result.messages if isinstance(m, ToolCallExecutionEvent))
    assert execution.content[0].is_error
    assert "task" in execution.content[0].content


def test_wrong_types_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="AgentTool needs a ChatAgent"):
        AgentTool("expert")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="TeamTool needs a Team"):
        TeamTool("team", name="t", description="d")  # type: ignore[arg-type]


async def test_specs_and_state_round_trip() -> None:
    expert = AssistantAgent("expert", ScriptedChatCompletionClient(["Paris", "Rome"]))
    tool = AgentTool(expert, return_value_as_last_message=True)
    await tool.run_json({"task": "France?"}, CancellationToken())

    loaded = load_component(tool.dump_component().model_dump_json(), AgentTool)
    await loaded.load_state_json(json.loads(json.dumps(await tool.save_state_json())))
    assert loaded.dump_component() == tool.dump_component()
    history = await loaded.agent.model_context.get_messages()  # type: ignore[attr-defined]
    assert history[0].content == "France?"

    team = RoundRobinGroupChat(
        [AssistantAgent("a", ScriptedChatCompletionClient(["x"]))], max_turns=1
    )
    team_tool = TeamTool(team, name="crew", description="A crew.")
    loaded_team_tool = load_component(team_tool.dump_component().model_dump(), TeamTool)
    assert loaded_team_tool.name == "crew" and loaded_team_tool.description == "A crew."
