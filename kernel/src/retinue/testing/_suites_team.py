"""``TeamConformance``: what every team must do, and ``ScriptedChatAgent`` to build teams from.

Subclass the suite and provide a ``team`` fixture: a fresh team whose termination
condition (or ``max_turns``) ends a run within a few messages::

    class TestMyTeam(TeamConformance):
        @pytest.fixture
        def team(self):
            agents = [ScriptedChatAgent("a", ["hi"]), ScriptedChatAgent("b", ["ok"])]
            return MyTeam(agents, max_turns=2)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from .._errors import ConfigurationError, RetinueError
from ..cancellation import CancellationToken
from ..chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ChatAgent,
    Response,
    TaskResult,
    Team,
    TextMessage,
    validate_agent_name,
)

__all__ = ["ScriptedChatAgent", "TeamConformance"]


class ScriptedChatAgent(ChatAgent):
    """A chat agent that answers with its ``replies`` in turn (cycling), for team tests.

    It records every message it was given in ``received``; ``delay`` seconds of
    sleep per answer let tests pause, cancel or overlap runs; ``fail_on`` makes the
    answer with that index raise ``RuntimeError``.
    """

    def __init__(
        self,
        name: str,
        replies: Sequence[str],
        *,
        description: str = "",
        delay: float = 0.0,
        fail_on: int | None = None,
    ) -> None:
        self._name = validate_agent_name(name)
        if not replies:
            raise ConfigurationError(f"ScriptedChatAgent {name!r} needs at least one reply")
        self._replies = list(replies)
        self._description = description or f"{name} (scripted)"
        self._delay = delay
        self._fail_on = fail_on
        self.turns = 0
        self.received: list[BaseChatMessage] = []
        self.paused = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str:
        return self._description

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return (TextMessage,)

    async def on_messages(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> Response:
        self.received.extend(messages)
        if self._delay:
            sleeper = asyncio.ensure_future(asyncio.sleep(self._delay))
            cancellation_token.link_future(sleeper)
            await sleeper
        turn = self.turns
        self.turns += 1
        if self._fail_on is not None and turn == self._fail_on:
            raise RuntimeError(f"{self._name} failed on purpose at turn {turn}")
        text = self._replies[turn % len(self._replies)]
        return Response(chat_message=TextMessage(content=text, source=self._name))

    async def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        yield await self.on_messages(messages, cancellation_token)

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        self.turns = 0
        self.received.clear()

    async def on_pause(self, cancellation_token: CancellationToken) -> None:
        self.paused = True

    async def on_resume(self, cancellation_token: CancellationToken) -> None:
        self.paused = False

    async def save_state(self) -> Mapping[str, Any]:
        return {"turns": self.turns, "received": [m.dump() for m in self.received]}

    async def load_state(self, state: Mapping[str, Any]) -> None:
        from ..chat import load_chat_message

        self.turns = int(state.get("turns", 0))
        self.received = [
            m
            for m in map(load_chat_message, state.get("received", []))
            if isinstance(m, BaseChatMessage)
        ]

    async def run(
        self,
        *,
        task: str | BaseChatMessage | Sequence[BaseChatMessage] | None = None,
        cancellation_token: CancellationToken | None = None,
        output_task_messages: bool = True,
    ) -> TaskResult:
        messages = [TextMessage(content=task, source="user")] if isinstance(task, str) else []
        response = await self.on_messages(messages, cancellation_token or CancellationToken())
        return TaskResult(messages=[*messages, response.chat_message])

    async def run_stream(
        self,
        *,
        task: str | BaseChatMessage | Sequence[BaseChatMessage] | None = None,
        cancellation_token: CancellationToken | None = None,
        output_task_messages: bool = True,
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | TaskResult, None]:
        result = await self.run(task=task, cancellation_token=cancellation_token)
        for message in result.messages:
            yield message
        yield result


class TeamConformance:
    """Behaviour every team must show; provide a ``team`` fixture (a fresh team each time)."""

    async def test_run_returns_task_and_replies_with_a_stop_reason(self, team: Team) -> None:
        result = await team.run(task="conformance task")
        assert isinstance(result, TaskResult)
        assert result.messages, "a run must report at least the task message"
        first = result.messages[0]
        assert isinstance(first, TextMessage) and first.content == "conformance task"
        assert isinstance(result.stop_reason, str) and result.stop_reason

    async def test_run_stream_yields_every_message_then_the_result(self, team: Team) -> None:
        items = [item async for item in team.run_stream(task="stream task")]
        assert isinstance(items[-1], TaskResult), "run_stream must end with the TaskResult"
        streamed = [item for item in items[:-1] if isinstance(item, BaseChatMessage)]
        result_messages = [m for m in items[-1].messages if isinstance(m, BaseChatMessage)]
        assert [m.id for m in streamed] == [m.id for m in result_messages]

    async def test_run_again_continues_and_reset_starts_over(self, team: Team) -> None:
        fresh = json.loads(json.dumps(await team.save_state()))
        await team.run(task="first")
        again = await team.run()
        assert isinstance(again.stop_reason, str)
        await team.reset()
        assert json.loads(json.dumps(await team.save_state())) == fresh, (
            "after reset() the team's state must be what it was when the team was new"
        )
        fresh = await team.run(task="after reset")
        assert isinstance(fresh.messages[0], TextMessage)
        assert fresh.messages[0].content == "after reset"

    async def test_state_is_json_and_loads_back(self, team: Team) -> None:
        await team.run(task="remember this")
        state = json.loads(json.dumps(await team.save_state()))
        await team.reset()
        await team.load_state(state)
        assert json.loads(json.dumps(await team.save_state())) == state

    async def test_bad_state_is_refused_and_team_stays_usable(self, team: Team) -> None:
        try:
            await team.load_state({"unexpected": True})
        except RetinueError as exc:
            assert str(exc), "the error must say what was wrong"
        else:
            raise AssertionError("load_state accepted a mapping that save_state never returns")
        result = await team.run(task="still works")
        assert isinstance(result, TaskResult)

    async def test_second_concurrent_run_is_refused(self, team: Team) -> None:
        stream = team.run_stream(task="one at a time")
        first = await stream.__anext__()
        try:
            await team.run(task="overlapping")
        except RetinueError as exc:
            assert "running" in str(exc)
        else:
            raise AssertionError("a second concurrent run must raise a RetinueError")
        remaining = [item async for item in stream]
        assert first is not None and isinstance(remaining[-1], TaskResult)
        assert isinstance(await team.run(task="after"), TaskResult)
