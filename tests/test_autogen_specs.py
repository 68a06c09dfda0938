"""Component specs written by AutoGen 0.7.5 itself load and run in retinue.

The JSON files in ``tests/autogen_specs/`` were produced by ``dump_component()`` in
an AutoGen 0.7.5 environment (``tests/autogen_specs/generate.py``), so these tests
check migration against AutoGen's real output rather than our idea of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from retinue import CancellationToken, ComponentLoadError, load_component
from retinue.chat import (
    ChatCompletionContext,
    StopMessage,
    TerminationCondition,
    TextMessage,
    ToolCallExecutionEvent,
)
from retinue.models import FunctionExecutionResult
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat import (
    AssistantAgent,
    CodeExecutorAgent,
    RoundRobinGroupChat,
    SelectorGroupChat,
    Swarm,
    UserProxyAgent,
)

SPECS = Path(__file__).parent / "autogen_specs"


def spec(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SPECS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def with_key_from(env: str, data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "config": {**data["config"], "api_key": {"env": env}}}


@pytest.mark.parametrize(
    ("name", "env", "distribution_class"),
    [
        ("openai_client", "OPENAI_API_KEY", "retinue_openai:OpenAIChatCompletionClient"),
        (
            "azure_openai_client",
            "AZURE_OPENAI_API_KEY",
            "retinue_openai:AzureOpenAIChatCompletionClient",
        ),
        (
            "anthropic_client",
            "ANTHROPIC_API_KEY",
            "retinue_anthropic:AnthropicChatCompletionClient",
        ),
    ],
)
def test_provider_clients_load_once_the_masked_key_is_an_env_reference(
    name: str, env: str, distribution_class: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # AutoGen writes the key as "**********": loading that would send asterisks.
    with pytest.raises(ComponentLoadError, match=f'"env": "{env}"'):
        load_component(spec(name))
    monkeypatch.setenv(env, "sk-from-the-environment")
    client = load_component(with_key_from(env, spec(name)))
    module, cls = distribution_class.split(":")
    assert type(client).__name__ == cls and type(client).__module__.startswith(module)
    assert client.model_name == spec(name)["config"]["model"]
    assert client.dump_component().config["api_key"] == {"env": env}


async def test_replay_client_loads_as_the_scripted_client() -> None:
    client = load_component(spec("replay_client"))
    assert isinstance(client, ScriptedChatCompletionClient)
    from retinue.models import UserMessage

    result = await client.create([UserMessage(content="hi")])
    assert result.content == "Hello"


async def test_assistant_agent_with_a_function_tool_needs_trust_and_then_runs() -> None:
    with pytest.raises(ComponentLoadError, match="trust_code=True"):
        load_component(spec("assistant_agent"))
    agent = load_component(spec("assistant_agent"), trust_code=True)
    assert isinstance(agent, AssistantAgent) and agent.name == "writer"
    result = await agent.run(task="Write a short text.")
    assert result.messages[-1].content == "A first draft."
    second = await agent.run(task="again")
    assert second.messages[-1].content == "The final text. APPROVE"
    # The tool AutoGen serialized as source code really runs.
    tool_spec = spec("assistant_agent")["config"]["workbench"][0]["config"]["tools"][0]
    tool = load_component(tool_spec, trust_code=True)
    assert await tool.run_json({"text": "three little words"}, CancellationToken()) == 3


async def test_code_executor_agent_runs_code_from_messages() -> None:
    agent = load_component(spec("code_executor_agent"))
    assert isinstance(agent, CodeExecutorAgent)
    result = await agent.run(task="```python\nprint(6 * 7)\n```")
    assert "42" in result.messages[-1].content


def test_user_proxy_agent_loads() -> None:
    agent = load_component(spec("user_proxy_agent"))
    assert isinstance(agent, UserProxyAgent) and agent.name == "user"


@pytest.mark.parametrize(
    ("name", "cls"),
    [("round_robin_team", RoundRobinGroupChat), ("selector_team", SelectorGroupChat)],
)
async def test_group_chats_run_to_their_termination_condition(name: str, cls: type) -> None:
    team = load_component(spec(name), trust_code=True)
    assert isinstance(team, cls)
    result = await team.run(task="Write a short text about the sea.")
    texts = [m.content for m in result.messages if isinstance(m, TextMessage)]
    assert texts[0] == "Write a short text about the sea."
    assert texts[-1] == "The final text. APPROVE"
    assert result.stop_reason == "Text 'APPROVE' mentioned"


async def test_swarm_hands_off_and_stops() -> None:
    team = load_component(spec("swarm_team"))
    assert isinstance(team, Swarm)
    result = await team.run(task="Say hi.")
    assert result.stop_reason == "Text 'TERMINATE' mentioned"
    assert result.messages[-1].source == "alice"


def test_model_contexts_load() -> None:
    for name in ("unbounded_context", "head_and_tail_context"):
        assert isinstance(load_component(spec(name)), ChatCompletionContext)


async def test_combined_conditions_load_and_fire_like_autogen() -> None:
    condition = load_component(spec("conditions"))
    assert isinstance(condition, TerminationCondition)
    # (… | FunctionCallTermination("word_count")) & MaxMessageTermination(2)
    assert await condition([TextMessage(content="hello", source="user")]) is None
    executed = ToolCallExecutionEvent(
        content=[FunctionExecutionResult(content="3", name="word_count", call_id="1")],
        source="writer",
    )
    # The tool call fires the "or" half; the second chat message fires the message limit.
    stop = await condition([executed, TextMessage(content="3 words", source="writer")])
    assert isinstance(stop, StopMessage)
    assert "Function 'word_count' was executed." in stop.content
    assert "Maximum number of messages 2 reached" in stop.content
