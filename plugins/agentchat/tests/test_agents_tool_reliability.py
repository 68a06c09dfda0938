"""AssistantAgent tool calls under stress: cancellation, bad arguments, bad results.

A cancelled run raises ``retinue.CancelledError`` and leaves a context the next run
can use; everything else a tool or a model's arguments can do wrong becomes an error
result the model sees, bounded in size and encodable, and the run goes on.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from retinue import CancellationToken, CancelledError, ConfigurationError, load_component
from retinue.chat import ToolCallExecutionEvent, ToolCallSummaryMessage
from retinue.models import (
    AssistantMessage,
    FunctionCall,
    FunctionExecutionResultMessage,
    LLMMessage,
)
from retinue.testing import ScriptedChatCompletionClient
from retinue.tools import TextResultContent, ToolResult, ToolSchema, Workbench
from retinue_agentchat import AssistantAgent

ERROR_BOUND = 2000
"""The longest error text a bad call may produce (the echoed input is cut short)."""


def call(name: str, arguments: str, call_id: str = "c1") -> FunctionCall:
    return FunctionCall(id=call_id, name=name, arguments=arguments)


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def execution_of(messages: Any) -> ToolCallExecutionEvent:
    return next(m for m in messages if isinstance(m, ToolCallExecutionEvent))


def assert_every_call_has_its_result(messages: list[LLMMessage]) -> None:
    """The rule providers enforce: each assistant tool call is answered by the next message."""
    for index, message in enumerate(messages):
        if isinstance(message, AssistantMessage) and isinstance(message.content, list):
            following = messages[index + 1] if index + 1 < len(messages) else None
            assert isinstance(following, FunctionExecutionResultMessage), messages
            assert {r.call_id for r in following.content} == {c.id for c in message.content}


# -- cancellation ------------------------------------------------------------------


async def wait_long() -> str:
    """Waits a long time."""
    await asyncio.sleep(1000)
    return "never"


def block_long() -> str:
    """Blocks a thread for a long time."""
    time.sleep(1000)
    return "never"


@pytest.mark.parametrize("tool", [wait_long, block_long])
async def test_cancelling_during_a_tool_call_raises_and_the_next_run_works(tool: Any) -> None:
    client = ScriptedChatCompletionClient([[call(tool.__name__, "{}")], "fresh start"])
    agent = AssistantAgent("helper", client, tools=[tool])
    token = CancellationToken()
    asyncio.get_running_loop().call_later(0.2, token.cancel)

    with pytest.raises(CancelledError):
        await asyncio.wait_for(agent.run(task="go", cancellation_token=token), 10)

    context = await agent.model_context.get_messages()
    assert_every_call_has_its_result(context)
    interrupted = context[-1]
    assert isinstance(interrupted, FunctionExecutionResultMessage)
    assert interrupted.content[0].is_error and "cancelled" in interrupted.content[0].content
    result = await asyncio.wait_for(agent.run(task="again"), 10)
    assert result.messages[-1].content == "fresh start"
    assert_every_call_has_its_result(list(client.requests[-1].messages))


async def test_cancelling_the_task_running_the_agent_keeps_the_context_valid() -> None:
    client = ScriptedChatCompletionClient([[call("wait_long", "{}")], "fresh start"])
    agent = AssistantAgent("helper", client, tools=[wait_long])
    run = asyncio.ensure_future(agent.run(task="go"))
    await asyncio.sleep(0.2)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(run, 10)
    assert_every_call_has_its_result(await agent.model_context.get_messages())


async def cancels_itself() -> str:
    """Raises CancelledError although nobody cancelled it."""
    raise asyncio.CancelledError


async def test_a_tool_raising_cancelled_error_itself_is_an_error_result() -> None:
    client = ScriptedChatCompletionClient([[call("cancels_itself", "{}")]])
    agent = AssistantAgent("helper", client, tools=[cancels_itself])
    result = await asyncio.wait_for(agent.run(task="go"), 10)
    (outcome,) = execution_of(result.messages).content
    assert outcome.is_error and "not cancelled" in outcome.content


class OddWorkbench(Workbench):
    """A third-party workbench that misbehaves in the way ``behaviour`` says."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    async def list_tools(self) -> list[ToolSchema]:
        return [
            {
                "name": "odd",
                "description": "Odd.",
                "parameters": {"type": "object", "properties": {}},
            }
        ]

    async def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        cancellation_token: CancellationToken | None = None,
        call_id: str | None = None,
    ) -> ToolResult:
        if self.behaviour == "raises":
            raise RuntimeError("the server went away")
        if self.behaviour == "cancels_itself":
            raise asyncio.CancelledError
        if self.behaviour == "returns_none":
            return None  # type: ignore[return-value]
        assert cancellation_token is not None
        # "swallows": reports its cancellation as an error result, as some servers do.
        while not cancellation_token.is_cancelled():
            await asyncio.sleep(0.01)
        return ToolResult(name=name, result=[TextResultContent(content="aborted")], is_error=True)


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        ("raises", "the server went away"),
        ("cancels_itself", "not cancelled"),
        ("returns_none", "not a ToolResult"),
    ],
)
async def test_a_misbehaving_workbench_becomes_an_error_result(
    behaviour: str, expected: str
) -> None:
    client = ScriptedChatCompletionClient([[call("odd", "{}")]])
    agent = AssistantAgent("helper", client, workbench=OddWorkbench(behaviour))
    if behaviour == "cancels_itself" and sys.version_info < (3, 11):
        # Documented limitation: Python 3.10 cannot count a task's cancellations, so a
        # third-party workbench's own CancelledError propagates there.
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(agent.run(task="go"), 10)
        return
    result = await asyncio.wait_for(agent.run(task="go"), 10)
    (outcome,) = execution_of(result.messages).content
    assert outcome.is_error and expected in outcome.content


async def test_a_workbench_answering_a_cancelled_call_still_ends_the_run_as_cancelled() -> None:
    client = ScriptedChatCompletionClient([[call("odd", "{}")]])
    agent = AssistantAgent("helper", client, workbench=OddWorkbench("swallows"))
    token = CancellationToken()
    asyncio.get_running_loop().call_later(0.1, token.cancel)
    with pytest.raises(CancelledError):
        await asyncio.wait_for(agent.run(task="go", cancellation_token=token), 10)
    assert_every_call_has_its_result(await agent.model_context.get_messages())


def test_a_cancelled_agent_run_with_a_stuck_sync_tool_lets_the_process_exit() -> None:
    script = textwrap.dedent(
        """
        import asyncio, time
        from retinue import CancellationToken, CancelledError
        from retinue.models import FunctionCall
        from retinue.testing import ScriptedChatCompletionClient
        from retinue_agentchat import AssistantAgent

        def stuck() -> str:
            "Sleeps for ever."
            time.sleep(1000)
            return "never"

        async def main() -> None:
            stuck_call = FunctionCall(id="1", name="stuck", arguments="{}")
            client = ScriptedChatCompletionClient([[stuck_call]])
            agent = AssistantAgent("helper", client, tools=[stuck])
            token = CancellationToken()
            asyncio.get_running_loop().call_later(0.3, token.cancel)
            try:
                await agent.run(task="go", cancellation_token=token)
            except CancelledError:
                print("cancelled")

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "cancelled"


# -- arguments from the model -------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, "nest more than 100 levels"),
        ('{"a": ' + "[" * 500 + "]" * 500 + ', "b": 1}', "nest more than 100 levels"),
        ('{"a": ' + "9" * 5000 + ', "b": 1}', "too many digits"),
        ('{"a": 1, "b": ' + "x" * 1_000_000, "not valid JSON"),
        ('"a string"', "must be a JSON object"),
        ('{"a": "' + "y" * 1_000_000 + '", "b": 1}', "invalid arguments"),
    ],
)
async def test_malformed_arguments_are_bounded_error_results(arguments: str, expected: str) -> None:
    client = ScriptedChatCompletionClient(
        [[call("add", arguments)], [call("add", '{"a": 1, "b": 2}')]]
    )
    agent = AssistantAgent("helper", client, tools=[add], max_tool_iterations=2)
    result = await asyncio.wait_for(agent.run(task="go"), 10)
    (outcome,) = execution_of(result.messages).content
    assert outcome.is_error and expected in outcome.content
    assert len(outcome.content) < ERROR_BOUND
    assert result.messages[-1].content == "3"  # and the run went on


def nested(value: Any, names: list[str], flag: bool = False) -> str:
    """Takes several kinds of arguments."""
    return json.dumps([value, names, flag])[:100]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


HOSTILE_TEXT = st.one_of(
    st.text(),
    # nesting past any recursion limit, numbers past the digit limit, huge strings,
    # escapes JSON allows but UTF-8 does not, truncated documents
    st.integers(1, 20_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 20_000).map(lambda n: '{"value": ' + "[" * n + "]" * n + "}"),
    st.integers(1, 10_000).map(lambda n: '{"value": ' + "7" * n + "}"),
    st.integers(1, 10_000).map(lambda n: '{"value": -' + "7" * n + "e5}"),
    st.integers(0, 200_000).map(lambda n: '{"names": ["' + "n" * n + '", 5]}'),
    st.sampled_from(['{"value": "\\udcff"}', '{"names": ["\\ud800"]}', '{"value": NaN}']),
    st.text(min_size=1).map(lambda text: json.dumps({"value": text})[: len(text) // 2]),
)


def run_one_call(arguments: str) -> tuple[bool, str]:
    async def go() -> tuple[bool, str]:
        client = ScriptedChatCompletionClient([[call("nested", arguments)]])
        agent = AssistantAgent("helper", client, tools=[nested])
        result = await asyncio.wait_for(agent.run(task="go"), 10)
        assert isinstance(result.messages[-1], ToolCallSummaryMessage)
        (outcome,) = execution_of(result.messages).content
        return outcome.is_error, outcome.content

    return asyncio.run(go())


PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def assert_sane(is_error: bool, content: str) -> None:
    if is_error:
        assert len(content) < ERROR_BOUND, content[:300]
    content.encode("utf-8")  # the model client can send it


@PROPERTY_SETTINGS
@given(HOSTILE_TEXT)
def test_any_argument_text_gives_a_result_or_a_bounded_error(arguments: str) -> None:
    assert_sane(*run_one_call(arguments))


@PROPERTY_SETTINGS
@given(JSON_VALUES)
def test_any_json_arguments_give_a_result_or_a_bounded_error(value: Any) -> None:
    assert_sane(*run_one_call(json.dumps(value)))


@PROPERTY_SETTINGS
@given(st.dictionaries(st.sampled_from(["value", "names", "flag", "other"]), JSON_VALUES))
def test_any_json_object_gives_a_result_or_a_bounded_error(value: dict[str, Any]) -> None:
    assert_sane(*run_one_call(json.dumps(value)))


# -- results ----------------------------------------------------------------------


def list_directory() -> str:
    """Lists a directory holding a file whose name is not UTF-8."""
    return "notes.txt\ncaf\udcff.txt"


async def test_a_lone_surrogate_in_a_result_is_replaced_so_later_turns_work() -> None:
    client = ScriptedChatCompletionClient([[call("list_directory", "{}")], "next turn"])
    agent = AssistantAgent("helper", client, tools=[list_directory])
    result = await asyncio.wait_for(agent.run(task="ls"), 10)
    (outcome,) = execution_of(result.messages).content
    assert outcome.content == "notes.txt\ncaf\ufffd.txt"
    await asyncio.wait_for(agent.run(task="and now?"), 10)
    for message in client.requests[-1].messages:
        message.model_dump_json().encode("utf-8")


def huge() -> str:
    """Returns 20 MB."""
    return "z" * 20_000_000


async def test_a_huge_result_is_cut_with_a_note_for_the_model() -> None:
    client = ScriptedChatCompletionClient([[call("huge", "{}")]])
    agent = AssistantAgent("helper", client, tools=[huge])
    result = await asyncio.wait_for(agent.run(task="go"), 10)
    (outcome,) = execution_of(result.messages).content
    assert outcome.content.startswith("z" * 50_000 + "\n\n[Output truncated")
    assert "first 50000 of 20000000 characters" in outcome.content
    assert "19950000 were cut" in outcome.content and "less output" in outcome.content
    assert len(outcome.content) < 50_500


async def test_the_result_cap_is_configurable_and_dumped() -> None:
    client = ScriptedChatCompletionClient([[call("huge", "{}")], [call("huge", "{}")]])
    small = AssistantAgent("helper", client, tools=[huge], max_tool_result_chars=10)
    (outcome,) = execution_of((await small.run(task="go")).messages).content
    assert outcome.content.startswith("zzzzzzzzzz\n\n[Output truncated: showed the first 10 ")
    spec = small.dump_component()
    assert spec.config["max_tool_result_chars"] == 10
    loaded = load_component(spec, AssistantAgent, trust_code=True)
    assert loaded.dump_component().config["max_tool_result_chars"] == 10
    unlimited = AssistantAgent("helper", client, tools=[huge], max_tool_result_chars=None)
    (outcome,) = execution_of((await unlimited.run(task="go")).messages).content
    assert len(outcome.content) == 20_000_000


@pytest.mark.parametrize("value", [0, -5, 1.5, True, "100"])
def test_a_bad_result_cap_is_refused(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_tool_result_chars"):
        AssistantAgent("helper", ScriptedChatCompletionClient([]), max_tool_result_chars=value)


# -- tool_call_summary_format ---------------------------------------------------------


@pytest.mark.parametrize(
    ("summary_format", "expected"),
    [
        (
            "{tool} -> {result}",
            r"placeholder '\{tool\}'.*\{tool_name\}, \{arguments\}, \{result\}, \{is_error\}",
        ),
        ("{result[0]}", r"placeholder '\{result\[0\]\}'"),
        ("{}", r"placeholder '\{\}'"),
        ("{result", "not a format string"),
        ("{result:d}", "cannot be applied"),
    ],
)
def test_a_bad_summary_format_is_refused_when_the_agent_is_built(
    summary_format: str, expected: str
) -> None:
    client = ScriptedChatCompletionClient([])
    with pytest.raises(ConfigurationError, match=expected):
        AssistantAgent("helper", client, tools=[add], tool_call_summary_format=summary_format)
    spec = AssistantAgent("helper", client, tools=[add]).dump_component()
    spec.config["tool_call_summary_format"] = summary_format
    with pytest.raises(ConfigurationError, match=expected):
        load_component(spec, AssistantAgent, trust_code=True)


async def test_every_allowed_placeholder_works() -> None:
    client = ScriptedChatCompletionClient([[call("add", '{"a": 1, "b": 2}')]])
    agent = AssistantAgent(
        "helper",
        client,
        tools=[add],
        tool_call_summary_format="{tool_name}({arguments}) = {result!r} error={is_error:d} {{ok}}",
    )
    result = await asyncio.wait_for(agent.run(task="go"), 10)
    assert result.messages[-1].content == 'add({"a": 1, "b": 2}) = \'3\' error=0 {ok}'
