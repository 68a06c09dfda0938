"""Whoever stops reading a run (a cancelled ``run``, the Console, a tool) releases it at once.

The team below has a participant that ignores its cancellation token and waits
forever: only cancelling its task stops it.  Each test leaves the run early and then
checks, without waiting for the garbage collector, that the participant was stopped
and that the same team runs again.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncGenerator, Sequence

import pytest
from retinue import CancellationToken
from retinue.chat import BaseAgentEvent, BaseChatMessage, Response, TextMessage
from retinue.testing import ScriptedChatAgent
from retinue_agentchat.agents import BaseChatAgent
from retinue_agentchat.teams import RoundRobinGroupChat
from retinue_agentchat.tools import TaskRunnerToolArgs, TeamTool
from retinue_agentchat.ui import Console


class Deaf(BaseChatAgent):
    """Answers at once while ``open``; otherwise waits forever, deaf to its token."""

    def __init__(self) -> None:
        super().__init__("deaf", "Ignores cancellation tokens.")
        self.open = False
        self.started = asyncio.Event()
        self.stopped = 0

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return [TextMessage]

    async def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        if not self.open:
            self.started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.stopped += 1
                raise
        yield Response(chat_message=TextMessage(content="heard", source=self.name))

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        return None


def team_with(deaf: Deaf) -> RoundRobinGroupChat:
    return RoundRobinGroupChat([ScriptedChatAgent("talker", ["hello"]), deaf], max_turns=2)


async def assert_released_and_reusable(team: RoundRobinGroupChat, deaf: Deaf) -> None:
    assert deaf.stopped == 1
    deaf.open = True
    result = await asyncio.wait_for(team.run(task="again"), 10)
    assert result.stop_reason == "Maximum number of turns 2 reached."


async def test_cancelling_run_releases_the_team_and_it_runs_again() -> None:
    deaf = Deaf()
    team = team_with(deaf)
    running = asyncio.ensure_future(team.run(task="go"))
    await asyncio.wait_for(deaf.started.wait(), 10)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, 10)
    await assert_released_and_reusable(team, deaf)


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


async def test_a_console_that_cannot_print_closes_the_run() -> None:
    deaf = Deaf()
    team = team_with(deaf)

    async def console() -> None:
        await Console(team.run_stream(task="go"), output=ClosedPipe())

    printing = asyncio.ensure_future(console())
    with pytest.raises(BrokenPipeError):
        await asyncio.wait_for(printing, 10)
    # Nothing was read after the first message, so the deaf agent had not started:
    # what matters is that the run let go before Console returned.
    assert deaf.stopped == 0
    deaf.open = True
    result = await asyncio.wait_for(team.run(task="again"), 10)
    assert result.stop_reason == "Maximum number of turns 2 reached."


async def test_closing_a_team_tool_stream_closes_the_inner_run() -> None:
    deaf = Deaf()
    team = team_with(deaf)
    tool = TeamTool(team, "helpers", "A team of helpers.")
    stream = tool.run_stream(TaskRunnerToolArgs(task="go"), CancellationToken())
    async for item in stream:
        if isinstance(item, TextMessage) and item.source == "talker":
            break
    await asyncio.wait_for(deaf.started.wait(), 10)
    await asyncio.wait_for(stream.aclose(), 10)  # type: ignore[attr-defined]
    await assert_released_and_reusable(team, deaf)
