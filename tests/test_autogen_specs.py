"""Component specs, messages and states written by AutoGen 0.7.5 itself load in retinue.

The JSON files in ``tests/autogen_specs/`` were produced by ``dump_component()`` in an
AutoGen 0.7.5 environment (``tests/autogen_specs/generate.py``): one per component AutoGen
can dump, keys masked as AutoGen masks them.  So these tests check migration against
AutoGen's real output rather than our idea of it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import retinue._secrets
from pydantic import BaseModel
from retinue import (
    CancellationToken,
    Component,
    ComponentLoadError,
    SecretNotFoundError,
    load_component,
)
from retinue.chat import (
    ChatCompletionContext,
    StopMessage,
    StructuredMessage,
    TerminationCondition,
    TextMessage,
    ToolCallExecutionEvent,
    load_chat_message,
)
from retinue.models import FunctionCall, FunctionExecutionResult, UserMessage
from retinue.testing import ScriptedChatCompletionClient
from retinue.tools import FunctionTool
from retinue_agentchat import (
    AssistantAgent,
    CodeExecutorAgent,
    RoundRobinGroupChat,
    SelectorGroupChat,
    Swarm,
    UserProxyAgent,
)
from retinue_openai import OpenAIChatCompletionClient
from retinue_openai.testing import OpenAIWireServer, chat_completion, tool_call

SPECS = Path(__file__).parent / "autogen_specs"
KEY_VARIABLES = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
)

# AutoGen components retinue does not provide yet: each fails with a ComponentLoadError
# naming the AutoGen class or component type and saying what to use instead.
NOT_PROVIDED = {
    "anthropic_bedrock_client": "For Claude, use provider: anthropic",
    "ollama_client": "use provider: openai with config {model: <the Ollama model>, base_url",
    "cached_client": "Load the wrapped client's spec",
    "in_memory_store": "Drop the store and load the wrapped client's spec",
    "diskcache_store": "Drop the store and load the wrapped client's spec",
    "redis_store": "Drop the store and load the wrapped client's spec",
    "http_tool": "Call the API from a FunctionTool (provider: function) or serve it as an MCP",
    "python_code_execution_tool": "Give the code to a CodeExecutorAgent",
    "jupyter_code_executor": "Use provider: local (retinue-local) or docker (retinue-docker)",
}
ALL_SPECS = sorted(path.stem for path in SPECS.glob("*.json"))


def spec(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SPECS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without the keys: specs must still load, inspect and dump."""
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fresh_mask_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget which masked variables were reported, so this test sees its own warning."""
    monkeypatch.setattr(retinue._secrets, "_masks_reported", set())


def secrets_in(dumped: Any) -> list[Any]:
    """Every value under a key-like name in a dumped config, at any depth."""
    found: list[Any] = []
    if isinstance(dumped, dict):
        for key, value in dumped.items():
            if key in {"api_key", "azure_ad_token"}:
                found.append(value)
            else:
                found.extend(secrets_in(value))
    elif isinstance(dumped, list):
        for item in dumped:
            found.extend(secrets_in(item))
    return found


def test_every_dumped_component_is_here() -> None:
    # One file per component AutoGen 0.7.5 can dump (see generate.py).
    assert len(ALL_SPECS) == 65
    assert set(NOT_PROVIDED) <= set(ALL_SPECS)


@pytest.mark.parametrize("name", [n for n in ALL_SPECS if n not in NOT_PROVIDED])
def test_every_autogen_spec_loads_and_dumps_without_the_keys(name: str, no_keys: None) -> None:
    component = load_component(spec(name), trust_code=True)
    assert isinstance(component, Component)
    dumped = component.dump_component().model_dump(mode="json")
    # A masked key comes back as a reference, never as asterisks or a value.
    for value in secrets_in(dumped["config"]):
        assert isinstance(value, dict) and set(value) == {"env"}, value
    assert "****" not in json.dumps(dumped)
    again = load_component(dumped, trust_code=True)
    assert type(again) is type(component)


@pytest.mark.parametrize("name", sorted(NOT_PROVIDED))
def test_components_retinue_lacks_fail_clearly(name: str) -> None:
    data = spec(name)
    with pytest.raises(ComponentLoadError) as caught:
        load_component(data, trust_code=True)
    message = str(caught.value)
    assert data["provider"] in message or data["component_type"] in message
    assert NOT_PROVIDED[name] in message
    # No advice to upgrade or install a distribution that does not have the class either.
    assert "upgrade" not in message and "pip install" not in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("name", "env", "cls"),
    [
        ("openai_client", "OPENAI_API_KEY", "OpenAIChatCompletionClient"),
        ("azure_openai_client", "AZURE_OPENAI_API_KEY", "AzureOpenAIChatCompletionClient"),
        ("anthropic_client", "ANTHROPIC_API_KEY", "AnthropicChatCompletionClient"),
        ("openai_client_for_gemini", "GEMINI_API_KEY", "GeminiChatCompletionClient"),
    ],
)
def test_a_masked_key_is_the_providers_variable_warned_once_and_dumped_as_reference(
    name: str,
    env: str,
    cls: str,
    no_keys: None,
    fresh_mask_warnings: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # AutoGen writes the key as "**********": sending that would fail as a 401 later.
    with caplog.at_level(logging.WARNING, logger="retinue._secrets"):
        first = load_component(spec(name))
        second = load_component(spec(name))
    warnings = [r for r in caplog.records if r.name == "retinue._secrets"]
    assert len(warnings) == 1
    assert f'{{"env": "{env}"}}' in warnings[0].getMessage()
    assert type(first).__name__ == cls and type(second).__name__ == cls
    assert first.model_name == spec(name)["config"]["model"]
    assert first.dump_component().config["api_key"] == {"env": env}


def test_a_team_spec_with_many_masked_keys_warns_once(
    no_keys: None, fresh_mask_warnings: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="retinue._secrets"):
        team = load_component(spec("selector_team_openai"))
    assert len([r for r in caplog.records if r.name == "retinue._secrets"]) == 1
    keys = secrets_in(team.dump_component().model_dump(mode="json"))
    assert len(keys) == 3 and all(key == {"env": "OPENAI_API_KEY"} for key in keys)


async def test_an_unset_reference_loads_dumps_and_fails_at_the_first_create(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RETINUE_TEST_UNSET_KEY", raising=False)
    with OpenAIWireServer() as server:
        data = {
            "provider": "openai",
            "config": {
                "model": "gpt-4o",
                "api_key": {"env": "RETINUE_TEST_UNSET_KEY"},
                "base_url": server.base_url,
            },
        }
        client = load_component(data)
        assert client.dump_component().config["api_key"] == {"env": "RETINUE_TEST_UNSET_KEY"}
        with pytest.raises(SecretNotFoundError, match="export RETINUE_TEST_UNSET_KEY"):
            await asyncio.wait_for(client.create([UserMessage(content="hi")]), timeout=30)
        assert server.requests == []
        await client.close()


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


async def test_an_assistant_agent_spec_runs_on_a_model_without_function_calling() -> None:
    # AutoGen always writes an empty StaticStreamWorkbench into an AssistantAgent spec.
    data = spec("assistant_agent_without_function_calling")
    assert data["config"]["workbench"][0]["config"]["tools"] == []
    agent = load_component(data)
    assert isinstance(agent, AssistantAgent)
    assert agent.model_client.model_info["function_calling"] is False
    result = await asyncio.wait_for(agent.run(task="Say something."), timeout=30)
    assert result.messages[-1].content == "Just text."
    client = agent.model_client
    assert isinstance(client, ScriptedChatCompletionClient)
    assert client.requests[-1].tools == []


async def test_a_workbench_with_tools_on_a_model_without_function_calling_fails_clearly() -> None:
    from retinue.tools import StaticStreamWorkbench

    info = {**spec("assistant_agent_without_function_calling")["config"]["model_client"]}
    client = load_component(info)
    tool = FunctionTool(len, name="length", description="Length of a text.")
    agent = AssistantAgent("plain", model_client=client, workbench=StaticStreamWorkbench([tool]))
    with pytest.raises(Exception, match=r"lists tools \(length\).*function_calling=False"):
        await asyncio.wait_for(agent.run(task="hi"), timeout=30)


class Weather(BaseModel):
    city: str
    celsius: float


def autogen_message(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (SPECS / "messages" / f"{name}.json").read_text(encoding="utf-8")
    )
    return loaded


def test_an_autogen_structured_message_loads_with_and_without_its_content_class() -> None:
    saved = autogen_message("structured_message")
    assert saved["type"] == "StructuredMessage[Weather]"
    # No StructuredMessage[Weather] in this process yet: the fields are kept.
    unknown = load_chat_message({**saved, "type": "StructuredMessage[Forecast]"})
    assert isinstance(unknown, StructuredMessage)
    assert unknown.content.model_dump() == {"city": "Oslo", "celsius": 4.5}
    assert unknown.to_text() == "Oslo: 4.5 C" and unknown.content_type == "Forecast"
    # With the class known (an agent with output_content_type=Weather makes it), it is used.
    StructuredMessage[Weather]
    message = load_chat_message(saved)
    assert isinstance(message, StructuredMessage[Weather])
    assert message.content == Weather(city="Oslo", celsius=4.5)
    assert message.source == "forecaster" and message.content_type == "Weather"
    assert load_chat_message(message.dump()).content == message.content


async def test_an_autogen_message_thread_with_a_structured_message_loads_into_a_team() -> None:
    autogen_state = autogen_message("round_robin_team_state")
    thread = autogen_state["agent_states"]["RoundRobinGroupChatManager"]["message_thread"]
    assert thread[-1]["type"] == "StructuredMessage[Weather]"
    agent = AssistantAgent(
        "forecaster", model_client=ScriptedChatCompletionClient(["x"]), output_content_type=Weather
    )
    team = RoundRobinGroupChat([agent], max_turns=1)
    state = dict(await team.save_state())
    manager = next(name for name in state["agent_states"] if name != "forecaster")
    state["agent_states"] = {
        **state["agent_states"],
        manager: {**state["agent_states"][manager], "message_thread": thread},
    }
    await team.load_state(state)
    saved = await team.save_state()
    reloaded = [load_chat_message(m) for m in saved["agent_states"][manager]["message_thread"]]
    assert isinstance(reloaded[-1], StructuredMessage)
    assert reloaded[-1].content == Weather(city="Oslo", celsius=4.5)


async def test_the_reflection_after_tools_sends_tool_choice_none_like_autogen() -> None:
    # AutoGen's reflection call passes tool_choice="none" and no tools; its OpenAI client
    # then sends neither "tools" nor "tool_choice" on the wire.
    call = FunctionCall(id="c1", name="word_count", arguments='{"text": "a b c"}')
    scripted = ScriptedChatCompletionClient([[call], "Three words."])
    tool = FunctionTool(lambda text: len(text.split()), name="word_count", description="Count.")
    agent = AssistantAgent("writer", model_client=scripted, tools=[tool], reflect_on_tool_use=True)
    await asyncio.wait_for(agent.run(task="Count."), timeout=30)
    first, reflection = scripted.requests
    assert first.tool_choice == "auto" and first.tools
    assert reflection.tool_choice == "none" and reflection.tools == []

    with OpenAIWireServer() as server:
        server.enqueue(
            chat_completion(tool_calls=[tool_call("word_count", {"text": "a b c"})]),
            chat_completion("Three words."),
        )
        client = OpenAIChatCompletionClient("gpt-4o", api_key="sk-test", base_url=server.base_url)
        agent = AssistantAgent(
            "writer", model_client=client, tools=[tool], reflect_on_tool_use=True
        )
        result = await asyncio.wait_for(agent.run(task="Count."), timeout=30)
        assert result.messages[-1].content == "Three words."
        first_body, reflection_body = (request.json for request in server.requests)
        assert first_body["tool_choice"] == "auto" and first_body["tools"]
        assert "tools" not in reflection_body and "tool_choice" not in reflection_body
        await client.close()
