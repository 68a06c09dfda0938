"""AssistantAgent: the reply loop, tools, handoffs, streaming, structured output, memory, state."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import BaseModel
from retinue import CancellationToken, CancelledError
from retinue.chat import (
    BufferedChatCompletionContext,
    HandoffMessage,
    ListMemory,
    MemoryContent,
    MemoryQueryEvent,
    ModelClientStreamingChunkEvent,
    MultiModalMessage,
    StructuredMessage,
    TextMessage,
    ThoughtEvent,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
    ToolCallSummaryMessage,
)
from retinue.models import (
    AssistantMessage,
    CreateResult,
    FunctionCall,
    FunctionExecutionResultMessage,
    Image,
    SystemMessage,
    UserMessage,
)
from retinue.testing import ScriptedChatCompletionClient
from retinue.tools import FunctionTool, StaticWorkbench
from retinue_agentchat import AssistantAgent, Handoff

NO_VISION = {"vision": False, "function_calling": True, "json_output": True, "family": "unknown"}


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def call(name: str, arguments: str, call_id: str = "c1") -> FunctionCall:
    return FunctionCall(id=call_id, name=name, arguments=arguments)


async def test_text_reply_uses_system_message_and_context() -> None:
    client = ScriptedChatCompletionClient(["Hello there"])
    agent = AssistantAgent("helper", client, system_message="Be brief.")

    result = await agent.run(task="Hi")

    assert [type(m) for m in result.messages] == [TextMessage, TextMessage]
    assert result.messages[0].source == "user"
    reply = result.messages[-1]
    assert reply.content == "Hello there" and reply.source == "helper"
    assert reply.models_usage is not None
    sent = client.requests[0].messages
    assert sent[0] == SystemMessage(content="Be brief.")
    assert sent[1] == UserMessage(content="Hi", source="user")


async def test_second_turn_sees_the_first() -> None:
    client = ScriptedChatCompletionClient(["one", "two"])
    agent = AssistantAgent("helper", client, system_message=None)

    await agent.run(task="first")
    await agent.run(task="second")

    sent = client.requests[1].messages
    assert [type(m) for m in sent] == [UserMessage, AssistantMessage, UserMessage]
    assert sent[1].content == "one"


async def test_the_model_is_sent_what_the_model_context_holds() -> None:
    client = ScriptedChatCompletionClient(["one", "two"])
    kiwi = UserMessage(content="The code word is kiwi.", source="user")
    context = BufferedChatCompletionContext(buffer_size=2, initial_messages=[kiwi])
    agent = AssistantAgent("helper", client, system_message="Be brief.", model_context=context)

    await agent.run(task="first")
    await agent.run(task="second")

    # The context's initial message reaches the model, and its buffer limit shows: the
    # second request holds only the two newest messages, not the whole conversation.
    assert client.requests[0].messages == [
        SystemMessage(content="Be brief."),
        kiwi,
        UserMessage(content="first", source="user"),
    ]
    assert client.requests[1].messages == [
        SystemMessage(content="Be brief."),
        AssistantMessage(content="one", source="helper"),
        UserMessage(content="second", source="user"),
    ]


async def test_tool_call_then_summary() -> None:
    client = ScriptedChatCompletionClient([[call("add", '{"a": 2, "b": 3}')]])
    agent = AssistantAgent("helper", client, tools=[add])

    result = await agent.run(task="2+3?")

    kinds = [type(m) for m in result.messages]
    assert kinds == [
        TextMessage,
        ToolCallRequestEvent,
        ToolCallExecutionEvent,
        ToolCallSummaryMessage,
    ]
    summary = result.messages[-1]
    assert summary.content == "5"
    assert summary.results[0].is_error is False
    assert client.requests[0].tools[0]["name"] == "add"
    # the tool result went into the context for the next turn
    history = await agent.model_context.get_messages()
    assert isinstance(history[-1], FunctionExecutionResultMessage)


async def test_tool_call_summary_format_and_formatter() -> None:
    replies = [[call("add", '{"a": 1, "b": 1}')]]
    formatted = AssistantAgent(
        "helper",
        ScriptedChatCompletionClient(replies),
        tools=[add],
        tool_call_summary_format="{tool_name}({arguments}) -> {result} error={is_error}",
    )
    result = await formatted.run(task="go")
    assert result.messages[-1].content == 'add({"a": 1, "b": 1}) -> 2 error=False'

    custom = AssistantAgent(
        "helper",
        ScriptedChatCompletionClient(replies),
        tools=[add],
        tool_call_summary_formatter=lambda c, r: f"{c.name}={r.content}",
    )
    result = await custom.run(task="go")
    assert result.messages[-1].content == "add=2"


async def test_reflect_on_tool_use_makes_a_final_model_call_without_tools() -> None:
    client = ScriptedChatCompletionClient([[call("add", '{"a": 2, "b": 2}')], "The answer is 4."])
    agent = AssistantAgent("helper", client, tools=[add], reflect_on_tool_use=True)

    result = await agent.run(task="2+2?")

    assert isinstance(result.messages[-1], TextMessage)
    assert result.messages[-1].content == "The answer is 4."
    assert client.requests[1].tools == []
    assert ToolCallSummaryMessage not in agent.produced_message_types


async def test_max_tool_iterations_loops_until_text() -> None:
    client = ScriptedChatCompletionClient(
        [
            [call("add", '{"a": 1, "b": 2}', "c1")],
            [call("add", '{"a": 3, "b": 4}', "c2")],
            "Both done: 3 and 7",
        ]
    )
    agent = AssistantAgent("helper", client, tools=[add], max_tool_iterations=5)

    result = await agent.run(task="sum twice")

    assert result.messages[-1].content == "Both done: 3 and 7"
    executions = [m for m in result.messages if isinstance(m, ToolCallExecutionEvent)]
    assert [e.content[0].content for e in executions] == ["3", "7"]
    assert len(client.requests) == 3


async def test_max_tool_iterations_stops_with_summary_of_last_round() -> None:
    client = ScriptedChatCompletionClient(
        [[call("add", '{"a": 1, "b": 2}', "c1")], [call("add", '{"a": 3, "b": 4}', "c2")]]
    )
    agent = AssistantAgent("helper", client, tools=[add], max_tool_iterations=2)

    result = await agent.run(task="sum twice")

    assert isinstance(result.messages[-1], ToolCallSummaryMessage)
    assert result.messages[-1].content == "7"


async def test_tool_calls_run_concurrently() -> None:
    first_started = asyncio.Event()
    second_started = asyncio.Event()

    async def first() -> str:
        """Waits for the second tool."""
        first_started.set()
        await second_started.wait()
        return "first done"

    async def second() -> str:
        """Waits for the first tool."""
        second_started.set()
        await first_started.wait()
        return "second done"

    client = ScriptedChatCompletionClient([[call("first", "{}", "a"), call("second", "{}", "b")]])
    agent = AssistantAgent("helper", client, tools=[first, second])

    # Run one after the other, these tools would wait for each other forever.
    result = await asyncio.wait_for(agent.run(task="go"), timeout=30)

    assert result.messages[-1].content == "first done\nsecond done"


async def test_tool_errors_go_back_to_the_model_and_the_agent_keeps_working() -> None:
    def explode(reason: str) -> str:
        """Always fails."""
        raise RuntimeError(f"boom: {reason}")

    client = ScriptedChatCompletionClient(
        [
            [
                call("missing_tool", "{}", "1"),
                call("add", "{not json", "2"),
                call("add", "[1, 2]", "3"),
                call("add", '{"a": "x", "b": 1}', "4"),
                call("explode", '{"reason": "disk"}', "5"),
            ],
            [call("add", '{"a": 1, "b": 1}', "6")],
            "recovered",
        ]
    )
    agent = AssistantAgent("helper", client, tools=[add, explode], max_tool_iterations=3)

    result = await agent.run(task="try")

    execution = next(m for m in result.messages if isinstance(m, ToolCallExecutionEvent))
    by_id = {r.call_id: r for r in execution.content}
    assert all(r.is_error for r in by_id.values())
    assert "Error: tool 'missing_tool' not found in any workbench" in by_id["1"].content
    assert "add, explode" in by_id["1"].content
    assert "not valid JSON" in by_id["2"].content and "{not json" in by_id["2"].content
    assert "must be a JSON object" in by_id["3"].content
    assert "'a'" in by_id["4"].content or "a:" in by_id["4"].content
    assert "boom: disk" in by_id["5"].content
    # the model saw every error as a tool result and the agent went on
    sent = client.requests[1].messages
    assert isinstance(sent[-1], FunctionExecutionResultMessage)
    assert len(sent[-1].content) == 5
    assert result.messages[-1].content == "recovered"


async def test_handoff_ends_the_turn_with_a_handoff_message() -> None:
    client = ScriptedChatCompletionClient(
        [[call("add", '{"a": 1, "b": 1}', "t1"), call("transfer_to_planner", "{}", "h1")]]
    )
    agent = AssistantAgent(
        "helper",
        client,
        tools=[add],
        handoffs=["planner", Handoff(target="user", message="Over to you")],
    )

    result = await agent.run(task="plan it")

    handoff = result.messages[-1]
    assert isinstance(handoff, HandoffMessage)
    assert handoff.target == "planner"
    assert handoff.content == "Transferred to planner, adopting the role of planner immediately."
    # the target learns about the other tool call and its result
    assert isinstance(handoff.context[0], AssistantMessage)
    assert handoff.context[0].content[0].name == "add"
    assert handoff.context[1].content[0].content == "2"
    names = [schema["name"] for schema in client.requests[0].tools]
    assert names == ["add", "transfer_to_planner", "transfer_to_user"]
    assert HandoffMessage in agent.produced_message_types


async def test_incoming_handoff_context_goes_first() -> None:
    client = ScriptedChatCompletionClient(["got it"])
    agent = AssistantAgent("planner", client, system_message=None)
    earlier = UserMessage(content="earlier work", source="helper")
    message = HandoffMessage(content="over", target="planner", source="helper", context=[earlier])

    await agent.on_messages([message], CancellationToken())

    assert client.requests[0].messages[:2] == [
        earlier,
        UserMessage(content="over", source="helper"),
    ]


async def test_streaming_yields_chunks_that_the_result_leaves_out() -> None:
    client = ScriptedChatCompletionClient([["Hel", "lo ", "world"]])
    agent = AssistantAgent("helper", client, model_client_stream=True)

    streamed = [item async for item in agent.run_stream(task="hi")]

    chunks = [m for m in streamed if isinstance(m, ModelClientStreamingChunkEvent)]
    assert [c.content for c in chunks] == ["Hel", "lo ", "world"]
    final = streamed[-2]
    assert isinstance(final, TextMessage) and final.content == "Hello world"
    assert all(c.full_message_id == final.id for c in chunks)
    result = streamed[-1]
    assert not any(isinstance(m, ModelClientStreamingChunkEvent) for m in result.messages)
    assert client.requests[0].stream is True


async def test_thought_becomes_a_thought_event() -> None:
    client = ScriptedChatCompletionClient(
        [CreateResult(finish_reason="stop", content="42", thought="6 times 7")]
    )
    agent = AssistantAgent("helper", client)

    result = await agent.run(task="answer?")

    thought = next(m for m in result.messages if isinstance(m, ThoughtEvent))
    assert thought.content == "6 times 7"
    history = await agent.model_context.get_messages()
    assert history[-1].thought == "6 times 7"


class Weather(BaseModel):
    city: str
    degrees: int


async def test_structured_output() -> None:
    client = ScriptedChatCompletionClient(['{"city": "Paris", "degrees": 21}'])
    agent = AssistantAgent(
        "helper",
        client,
        output_content_type=Weather,
        output_content_type_format="{city}: {degrees}C",
    )

    result = await agent.run(task="weather?")

    message = result.messages[-1]
    assert isinstance(message, StructuredMessage)
    assert message.content == Weather(city="Paris", degrees=21)
    assert message.to_text() == "Paris: 21C"
    assert client.requests[0].json_output is Weather
    assert agent.produced_message_types[0] is StructuredMessage


async def test_images_are_replaced_for_models_without_vision() -> None:
    image = Image.from_bytes(b"not really a png")
    blind = ScriptedChatCompletionClient(["I cannot see"], model_info=NO_VISION)
    agent = AssistantAgent("helper", blind, system_message=None)

    await agent.run(task=MultiModalMessage(content=["Look:", image], source="user"))

    assert blind.requests[0].messages[0] == UserMessage(content="Look:\n[image]", source="user")
    # the stored context keeps the image for a later vision model
    stored = await agent.model_context.get_messages()
    assert stored[0].content[1] == image

    seeing = ScriptedChatCompletionClient(["A picture"])
    agent = AssistantAgent("helper", seeing, system_message=None)
    await agent.run(task=MultiModalMessage(content=["Look:", image], source="user"))
    assert seeing.requests[0].messages[0].content == ["Look:", image]


async def test_memory_adds_to_the_context_and_is_reported() -> None:
    memory = ListMemory(memory_contents=[MemoryContent(content="The user likes tea.")])
    client = ScriptedChatCompletionClient(["Tea it is"])
    agent = AssistantAgent("helper", client, memory=[memory])

    result = await agent.run(task="What should I drink?")

    event = next(m for m in result.messages if isinstance(m, MemoryQueryEvent))
    assert event.content[0].content == "The user likes tea."
    sent_text = json.dumps([m.model_dump() for m in client.requests[0].messages])
    assert "The user likes tea." in sent_text


async def test_workbench_argument() -> None:
    bench = StaticWorkbench([FunctionTool(add, description="Add.")])
    client = ScriptedChatCompletionClient([[call("add", '{"a": 5, "b": 5}')]])
    agent = AssistantAgent("helper", client, workbench=bench)

    result = await agent.run(task="5+5")

    assert result.messages[-1].content == "10"


async def test_save_load_state_and_reset() -> None:
    client = ScriptedChatCompletionClient(["first answer", "second answer"])
    agent = AssistantAgent("helper", client)
    await agent.run(task="remember this")

    state = json.loads(json.dumps(await agent.save_state()))
    copy = AssistantAgent("helper", client)
    await copy.load_state(state)
    await copy.run(task="and now?")

    sent = client.requests[1].messages
    assert UserMessage(content="remember this", source="user") in sent
    assert any(isinstance(m, AssistantMessage) and m.content == "first answer" for m in sent)

    await copy.on_reset(CancellationToken())
    assert await copy.model_context.get_messages() == []


async def test_output_task_messages_false_leaves_the_task_out() -> None:
    agent = AssistantAgent("helper", ScriptedChatCompletionClient(["ok"]))

    result = await agent.run(task="hi", output_task_messages=False)

    assert [m.content for m in result.messages] == ["ok"]


async def test_run_with_a_list_of_messages_and_none() -> None:
    client = ScriptedChatCompletionClient(["a", "b"])
    agent = AssistantAgent("helper", client, system_message=None)
    task = [TextMessage(content="one", source="user"), TextMessage(content="two", source="bob")]

    result = await agent.run(task=task)
    assert len(result.messages) == 3

    result = await agent.run()
    assert [m.content for m in result.messages] == ["b"]


@pytest.mark.parametrize("stream", [False, True])
async def test_cancellation_stops_the_model_call(stream: bool) -> None:
    token = CancellationToken()
    token.cancel()
    agent = AssistantAgent(
        "helper", ScriptedChatCompletionClient(["never"]), model_client_stream=stream
    )

    with pytest.raises(CancelledError, match="cancelled"):
        await agent.run(task="hi", cancellation_token=token)


async def test_handoff_defaults_and_tool() -> None:
    handoff = Handoff(target="planner")

    assert handoff.name == "transfer_to_planner"
    assert handoff.description == "Handoff to planner."
    tool = handoff.handoff_tool
    assert tool.name == "transfer_to_planner" and tool.schema.get("strict") is True
    assert await tool.run_json({}, CancellationToken()) == handoff.message
