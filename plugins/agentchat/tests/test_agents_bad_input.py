"""Bad input to the agents: clear RetinueError messages, and the agent stays usable."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from retinue import CancellationToken, ConfigurationError, ModelClientError
from retinue.chat import HandoffMessage, TextMessage
from retinue.models import CreateResult, FunctionCall
from retinue.testing import ScriptedChatCompletionClient
from retinue.tools import FunctionTool, StaticWorkbench
from retinue_agentchat import AssistantAgent, Handoff

NO_TOOLS = {"vision": False, "function_calling": False, "json_output": False, "family": "unknown"}


def lookup(key: str) -> str:
    """Look a key up."""
    return key.upper()


def client(*replies: object) -> ScriptedChatCompletionClient:
    return ScriptedChatCompletionClient(list(replies))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "my agent"}, "not a valid identifier"),
        ({"name": "1st"}, "not a valid identifier"),
        ({"model_client": "gpt-4o"}, "model_client must be a ChatCompletionClient"),
        ({"max_tool_iterations": 0}, "max_tool_iterations must be an integer >= 1"),
        ({"output_content_type": dict}, "output_content_type must be a pydantic model class"),
        ({"tools": [42]}, "tools must be Tool objects or functions"),
        ({"workbench": ["bench"]}, "workbench must be Workbench objects"),
        ({"handoffs": [3]}, "handoffs must be agent names or Handoff objects"),
        ({"handoffs": ["bob", Handoff(target="bob")]}, "two handoffs use the tool name"),
        ({"tools": [lookup, FunctionTool(lookup, "again")]}, "tool names must be unique"),
        (
            {"tools": [lookup], "workbench": StaticWorkbench([])},
            "pass either tools or workbench, not both",
        ),
        (
            {
                "tools": [lookup],
                "model_client": ScriptedChatCompletionClient([], model_info=NO_TOOLS),
            },
            "need a model with function calling",
        ),
    ],
)
def test_constructor_refuses_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"name": "helper", "model_client": client("x")}
    arguments.update(kwargs)

    with pytest.raises(ConfigurationError, match=message):
        AssistantAgent(**arguments)  # type: ignore[arg-type]


def test_handoff_target_must_be_an_agent_name() -> None:
    with pytest.raises(ConfigurationError, match="handoff target 'the boss'"):
        Handoff(target="the boss")


async def test_handoff_named_like_a_tool_is_reported_when_tools_are_listed() -> None:
    agent = AssistantAgent(
        "helper",
        client("x", "y"),
        tools=[FunctionTool(lookup, "Look up.", name="transfer_to_bob")],
        handoffs=["bob"],
    )

    with pytest.raises(ConfigurationError, match="clash with workbench tools"):
        await agent.run(task="go")


@pytest.mark.parametrize(
    ("task", "message"),
    [
        (42, "task must be a string, a chat message or a list"),
        (["text"], "a task list must hold chat messages only, got str"),
    ],
)
async def test_bad_task_is_refused_and_the_agent_still_answers(task: object, message: str) -> None:
    agent = AssistantAgent("helper", client("fine"))

    with pytest.raises(ConfigurationError, match=message):
        await agent.run(task=task)  # type: ignore[arg-type]

    assert (await agent.run(task="hi")).messages[-1].content == "fine"


async def test_bad_state_is_refused() -> None:
    agent = AssistantAgent("helper", client("fine"))

    with pytest.raises(ConfigurationError, match="state must be a mapping"):
        await agent.load_state(["messages"])  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="no 'llm_context' mapping"):
        await agent.load_state({"type": "AssistantAgentState"})

    assert (await agent.run(task="hi")).messages[-1].content == "fine"


class Answer(BaseModel):
    value: int


async def test_reply_that_does_not_match_the_output_type_is_reported() -> None:
    agent = AssistantAgent("helper", client("not json", '{"value": 3}'), output_content_type=Answer)

    with pytest.raises(ModelClientError, match="does not match output_content_type Answer"):
        await agent.run(task="number?")

    result = await agent.run(task="number again?")
    assert result.messages[-1].content == Answer(value=3)


async def test_several_handoffs_at_once_use_the_first() -> None:
    calls = [
        FunctionCall(id="1", name="transfer_to_alice", arguments="{}"),
        FunctionCall(id="2", name="transfer_to_bob", arguments="{}"),
    ]
    agent = AssistantAgent("helper", client(calls), handoffs=["alice", "bob"])

    result = await agent.run(task="who?")

    assert isinstance(result.messages[-1], HandoffMessage)
    assert result.messages[-1].target == "alice"


async def test_tool_call_for_a_handoff_after_tools_keeps_the_agent_usable() -> None:
    calls = [FunctionCall(id="1", name="lookup", arguments='{"wrong": 1}')]
    agent = AssistantAgent("helper", client(calls, "after"), tools=[lookup])

    first = await agent.run(task="look")
    assert first.messages[-1].to_text().startswith("invalid arguments for tool 'lookup'")

    second = await agent.run(task="again")
    assert second.messages[-1].content == "after"


async def test_model_that_reflects_with_tool_calls_is_reported() -> None:
    call = FunctionCall(id="1", name="lookup", arguments='{"key": "a"}')
    agent = AssistantAgent(
        "helper",
        client([call], CreateResult(finish_reason="function_calls", content=[call])),
        tools=[lookup],
        reflect_on_tool_use=True,
    )

    with pytest.raises(ModelClientError, match="reflection call"):
        await agent.run(task="go")


async def test_on_messages_of_an_agent_that_yields_no_response_is_reported() -> None:
    from retinue_agentchat import BaseChatAgent

    class Silent(BaseChatAgent):
        produced_message_types = (TextMessage,)  # type: ignore[assignment]

        async def on_messages_stream(self, messages, cancellation_token):  # type: ignore[no-untyped-def,override]
            if False:
                yield None

        async def on_reset(self, cancellation_token: CancellationToken) -> None:
            return None

    with pytest.raises(ConfigurationError, match="without yielding a Response"):
        await Silent("quiet", "says nothing").on_messages([], CancellationToken())
