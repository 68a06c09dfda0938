"""Declarative specs of the agents: dump/load round trips, YAML, and AutoGen 0.7.5 JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import retinue
from retinue import ComponentLoadError, load_component
from retinue.chat import (
    BufferedChatCompletionContext,
    HandoffMessage,
    TextMessage,
    ToolCallExecutionEvent,
    ToolCallSummaryMessage,
)
from retinue.models import FunctionCall
from retinue.testing import ScriptedChatCompletionClient
from retinue.tools import FunctionTool
from retinue_agentchat import AgentTool, AssistantAgent, Handoff
from retinue_agentchat.agents import AssistantAgentConfig

FIXTURES = Path(__file__).parent / "fixtures"


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def test_assistant_agent_is_registered_under_its_names() -> None:
    registry = retinue.get_registry()
    for name in ("assistant_agent", "AssistantAgent", "autogen_agentchat.agents.AssistantAgent"):
        assert registry.load("agent", name) is AssistantAgent


async def test_dump_and_load_round_trip() -> None:
    client = ScriptedChatCompletionClient(
        ["unused"],
        model_info={"vision": False, "function_calling": True, "json_output": True, "family": "x"},
    )
    helper = AssistantAgent("helper", ScriptedChatCompletionClient(["helped"]))
    agent = AssistantAgent(
        "math",
        client,
        tools=[AgentTool(helper)],
        handoffs=[Handoff(target="boss", description="Ask the boss.")],
        model_context=BufferedChatCompletionContext(buffer_size=4),
        system_message="Multiply.",
        model_client_stream=True,
        max_tool_iterations=3,
        tool_call_summary_format="=> {result}",
        metadata={"team": "numbers"},
    )

    spec = agent.dump_component()
    assert spec.provider == "assistant_agent" and spec.kind == "agent" and spec.version == 2
    loaded = load_component(json.loads(spec.model_dump_json()), AssistantAgent)

    assert loaded.dump_component() == spec
    assert loaded.name == "math"
    assert isinstance(loaded.model_context, BufferedChatCompletionContext)
    assert loaded.handoffs["transfer_to_boss"].description == "Ask the boss."


async def test_function_tools_round_trip_when_trusted() -> None:
    client = ScriptedChatCompletionClient(
        [[FunctionCall(id="1", name="multiply", arguments='{"a": 6, "b": 7}')]]
    )
    agent = AssistantAgent("math", client, tools=[FunctionTool(multiply, description="Multiply.")])

    loaded = load_component(agent.dump_component().model_dump(), AssistantAgent, trust_code=True)
    result = await loaded.run(task="6*7")

    assert result.messages[-1].content == "42"


async def test_spec_from_yaml(tmp_path: Path) -> None:
    spec = tmp_path / "agent.yaml"
    spec.write_text(
        "provider: assistant_agent\n"
        "kind: agent\n"
        "version: 2\n"
        "config:\n"
        "  name: poet\n"
        "  system_message: Write short poems.\n"
        "  model_client:\n"
        "    provider: scripted\n"
        "    config:\n"
        "      replies: ['Roses are red']\n",
        encoding="utf-8",
    )
    agent = load_component(spec, AssistantAgent)

    result = await agent.run(task="a poem")

    assert result.messages[-1].content == "Roses are red"


async def test_autogen_0_7_5_spec_loads_and_runs() -> None:
    spec = json.loads((FIXTURES / "autogen_assistant_agent_v2.json").read_text(encoding="utf-8"))

    agent = load_component(spec, AssistantAgent, trust_code=True)
    result = await agent.run(task="What is 19 + 23?")

    assert agent.name == "calculator" and agent.description == "An agent that adds numbers."
    execution = next(m for m in result.messages if isinstance(m, ToolCallExecutionEvent))
    assert execution.content[0].content == "42"
    assert isinstance(result.messages[-1], TextMessage)  # reflect_on_tool_use
    assert result.messages[-1].content == "The sum is 42. TERMINATE"
    assert "transfer_to_reviewer" in agent.handoffs


async def test_autogen_0_4_spec_with_tools_migrates_from_version_1() -> None:
    spec = json.loads((FIXTURES / "autogen_assistant_agent_v1.json").read_text(encoding="utf-8"))

    agent = load_component(spec, AssistantAgent, trust_code=True)
    result = await agent.run(task="greet Ada")

    assert isinstance(agent.model_context, BufferedChatCompletionContext)
    summary = result.messages[-1]
    assert isinstance(summary, ToolCallSummaryMessage)
    assert summary.content == "Result: Hello, Ada!"


def test_spec_with_function_source_needs_trust() -> None:
    spec = json.loads((FIXTURES / "autogen_assistant_agent_v2.json").read_text(encoding="utf-8"))

    with pytest.raises(ComponentLoadError, match="trust_code=True"):
        load_component(spec, AssistantAgent)


def test_invalid_spec_names_the_bad_field() -> None:
    spec = {
        "provider": "assistant_agent",
        "kind": "agent",
        "version": 2,
        "config": {"name": "x", "model_client": {"provider": "scripted"}, "max_tool_iterations": 0},
    }
    with pytest.raises(ComponentLoadError, match="max_tool_iterations"):
        load_component(spec, AssistantAgent)

    spec["config"] = {"name": "x"}
    with pytest.raises(ComponentLoadError, match="model_client"):
        load_component(spec, AssistantAgent)


def test_bad_agent_name_in_spec_is_refused() -> None:
    spec = {
        "provider": "AssistantAgent",
        "version": 2,
        "config": {"name": "not valid", "model_client": {"provider": "scripted"}},
    }
    with pytest.raises(retinue.RetinueError, match="not a valid identifier"):
        load_component(spec, AssistantAgent)


def test_unknown_config_version_is_refused() -> None:
    with pytest.raises(ComponentLoadError, match="version 0"):
        AssistantAgent._from_config_past_version({"name": "x"}, 0)


def test_config_accepts_autogen_shaped_nested_specs() -> None:
    config = AssistantAgentConfig.model_validate(
        {
            "name": "a",
            "model_client": {
                "provider": "autogen_ext.models.replay.ReplayChatCompletionClient",
                "component_type": "replay_chat_completion_client",
                "version": 1,
                "component_version": 1,
                "config": {},
            },
        }
    )
    assert config.model_client.kind == "model_client"


async def test_handoff_strings_in_spec_run() -> None:
    spec = {
        "provider": "assistant_agent",
        "version": 2,
        "config": {
            "name": "router",
            "handoffs": ["billing"],
            "model_client": {
                "provider": "scripted",
                "config": {
                    "replies": [
                        [{"id": "h", "name": "transfer_to_billing", "arguments": "{}"}],
                    ]
                },
            },
        },
    }
    agent = load_component(spec, AssistantAgent)

    result = await agent.run(task="refund please")

    assert isinstance(result.messages[-1], HandoffMessage)
    assert result.messages[-1].target == "billing"


def test_bad_handoff_in_spec_names_the_field() -> None:
    spec = {
        "provider": "assistant_agent",
        "version": 2,
        "config": {
            "name": "router",
            "handoffs": [{"target": "two words"}],
            "model_client": {"provider": "scripted"},
        },
    }
    with pytest.raises(ComponentLoadError, match="handoffs"):
        load_component(spec, AssistantAgent)
