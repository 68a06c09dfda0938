"""Console: AutoGen's layout, inline streaming, the summary, and plain text off a terminal."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import AsyncGenerator

import pytest
from retinue import ConfigurationError
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ModelClientStreamingChunkEvent,
    Response,
    TaskResult,
    TextMessage,
    ToolCallRequestEvent,
)
from retinue.models import CreateResult, FunctionCall, RequestUsage
from retinue.testing import ScriptedChatAgent, ScriptedChatCompletionClient
from retinue_agentchat import AssistantAgent
from retinue_agentchat.teams import RoundRobinGroupChat
from retinue_agentchat.ui import Console

Item = BaseAgentEvent | BaseChatMessage | TaskResult | Response


async def stream_of(*items: Item) -> AsyncGenerator[Item, None]:
    for item in items:
        yield item


def a_run() -> tuple[Item, ...]:
    task = TextMessage(content="add 1 and 2", source="user")
    call = ToolCallRequestEvent(
        source="coder",
        content=[FunctionCall(id="1", name="add", arguments='{"a": 1, "b": 2}')],
        models_usage=RequestUsage(prompt_tokens=10, completion_tokens=3),
    )
    chunks = [
        ModelClientStreamingChunkEvent(content=c, source="coder") for c in ("The sum ", "is 3.")
    ]
    final = TextMessage(
        content="The sum is 3.",
        source="coder",
        models_usage=RequestUsage(prompt_tokens=20, completion_tokens=4),
    )
    result = TaskResult(messages=[task, call, final], stop_reason="Text 'TERMINATE' mentioned")
    return (task, call, *chunks, final, result)


async def test_console_prints_autogen_layout_with_stats_and_summary() -> None:
    out = io.StringIO()
    result = await Console(stream_of(*a_run()), output_stats=True, output=out)
    assert isinstance(result, TaskResult)
    text = re.sub(r"Duration: \d+\.\d\d seconds", "Duration: X seconds", out.getvalue())
    assert text == (
        "---------- TextMessage (user) ----------\n"
        "add 1 and 2\n"
        "---------- ToolCallRequestEvent (coder) ----------\n"
        "[{'id': '1', 'name': 'add', 'arguments': '{\"a\": 1, \"b\": 2}'}]\n"
        "[Prompt tokens: 10, Completion tokens: 3]\n"
        "---------- ModelClientStreamingChunkEvent (coder) ----------\n"
        "The sum is 3.\n"
        "[Prompt tokens: 20, Completion tokens: 4]\n"
        "---------- Summary ----------\n"
        "Number of messages: 3\n"
        "Finish reason: Text 'TERMINATE' mentioned\n"
        "Total prompt tokens: 30\n"
        "Total completion tokens: 7\n"
        "Duration: X seconds\n"
    )


async def test_without_stats_there_is_no_usage_or_summary_and_no_escape_codes() -> None:
    out = io.StringIO()
    await Console(stream_of(*a_run()), output=out)
    assert "Summary" not in out.getvalue() and "Prompt tokens" not in out.getvalue()
    assert "\033[" not in out.getvalue()


CONSOLE_ON_STDOUT = """
import asyncio
from retinue.testing import ScriptedChatAgent
from retinue_agentchat.teams import RoundRobinGroupChat
from retinue_agentchat.ui import Console

team = RoundRobinGroupChat([ScriptedChatAgent("writer", ["draft"])], max_turns=1)
asyncio.run(Console(team.run_stream(task="write")))
"""


def console_on_a_terminal(no_color: str | None) -> str:
    """What ``Console`` writes to standard output when that is a real terminal (a pty)."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color is not None:
        env["NO_COLOR"] = no_color
    leader, follower = pty.openpty()
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", CONSOLE_ON_STDOUT],
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env,
        )
        os.close(follower)
        chunks: list[bytes] = []
        deadline = time.monotonic() + 120
        while True:
            # A hung child fails the test instead of blocking the read forever.
            ready, _, _ = select.select([leader], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                child.kill()
                pytest.fail("the Console child process wrote nothing for 120 seconds")
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closes (EIO) once the child has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        _, stderr = child.communicate(timeout=120)
    finally:
        os.close(leader)
    assert child.returncode == 0, stderr.decode()
    return b"".join(chunks).decode()


def test_headers_are_bold_on_a_terminal() -> None:
    text = console_on_a_terminal(no_color=None)
    assert "\033[1m---------- TextMessage (user) ----------\033[0m" in text


def test_no_color_keeps_a_terminal_plain() -> None:
    text = console_on_a_terminal(no_color="1")
    assert "---------- TextMessage (user) ----------" in text
    assert "\033[" not in text


def test_an_empty_no_color_leaves_colour_on() -> None:
    # no-color.org: NO_COLOR turns colour off when present and not an empty string.
    text = console_on_a_terminal(no_color="")
    assert "\033[1m---------- TextMessage (user) ----------\033[0m" in text


async def test_an_agent_response_stream_ends_with_inner_message_count() -> None:
    message = TextMessage(content="hi", source="bot")
    response = Response(chat_message=message, inner_messages=[])
    out = io.StringIO()
    result = await Console(stream_of(message, response), output_stats=True, output=out)
    assert result is response
    assert "Number of inner messages: 0" in out.getvalue()


async def test_console_streams_a_real_team_run() -> None:
    team = RoundRobinGroupChat(
        [ScriptedChatAgent("writer", ["draft"]), ScriptedChatAgent("critic", ["fine"])], max_turns=2
    )
    out = io.StringIO()
    result = await Console(team.run_stream(task="write"), output_stats=True, output=out)
    assert isinstance(result, TaskResult)
    assert "---------- TextMessage (critic) ----------\nfine\n" in out.getvalue()
    assert "Finish reason: Maximum number of turns 2 reached." in out.getvalue()


async def test_a_stream_without_a_result_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="without a TaskResult or Response"):
        await Console(stream_of(TextMessage(content="x", source="a")), output=io.StringIO())


async def test_a_streamed_reply_with_a_thought_prints_the_thought_and_the_text_once() -> None:
    # The agent yields the chunks, then the ThoughtEvent, then the whole message.
    reply = CreateResult(finish_reason="stop", content="The answer: 42", thought="6*7")
    client = ScriptedChatCompletionClient([reply])
    agent = AssistantAgent("helper", client, model_client_stream=True)
    out = io.StringIO()

    await Console(agent.run_stream(task="answer?"), output=out)

    text = out.getvalue()
    assert text.count("The answer: 42") == 1
    assert "---------- ThoughtEvent (helper) ----------\n6*7\n" in text
    assert "---------- TextMessage (helper) ----------" not in text


async def test_chunks_of_parallel_speakers_get_a_header_each() -> None:
    chunks = [
        ModelClientStreamingChunkEvent(content="a1", source="a", full_message_id="ma"),
        ModelClientStreamingChunkEvent(content="b1", source="b", full_message_id="mb"),
    ]
    done_a = TextMessage(content="a1", source="a", id="ma")
    done_b = TextMessage(content="b1", source="b", id="mb")
    result = TaskResult(messages=[done_a, done_b], stop_reason=None)
    out = io.StringIO()

    await Console(stream_of(*chunks, done_a, done_b, result), output=out)

    assert out.getvalue() == (
        "---------- ModelClientStreamingChunkEvent (a) ----------\na1\n"
        "---------- ModelClientStreamingChunkEvent (b) ----------\nb1\n"
    )
