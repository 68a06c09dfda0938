"""RoundRobinGroupChat on the runtime: order, stopping, resuming, state, errors."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from retinue import CancellationToken, CancelledError, ConfigurationError
from retinue.chat import BaseChatMessage, Response, TaskResult, TextMessage
from retinue.runtime import InProcessRuntime
from retinue.testing import ScriptedChatAgent, TeamConformance
from retinue_agentchat.conditions import (
    ExternalTermination,
    MaxMessageTermination,
    TextMentionTermination,
)
from retinue_agentchat.teams import RoundRobinGroupChat, TeamRunError


def sources(result: TaskResult) -> list[str]:
    return [m.source for m in result.messages]


def two_agents(**kwargs: object) -> tuple[ScriptedChatAgent, ScriptedChatAgent]:
    return (
        ScriptedChatAgent("writer", ["draft"], **kwargs),  # type: ignore[arg-type]
        ScriptedChatAgent("critic", ["comment"]),
    )


class TestRoundRobinConformance(TeamConformance):
    @pytest.fixture
    def team(self) -> RoundRobinGroupChat:
        return RoundRobinGroupChat(list(two_agents(delay=0.01)), max_turns=3)


async def test_participants_speak_in_turn_until_the_condition_fires() -> None:
    writer, critic = two_agents()
    team = RoundRobinGroupChat([writer, critic], termination_condition=MaxMessageTermination(4))
    result = await team.run(task="write")
    assert sources(result) == ["user", "writer", "critic", "writer"]
    assert result.stop_reason == "Maximum number of messages 4 reached, current message count: 4"
    # Each agent received what the others said since it last spoke.
    assert [m.content for m in critic.received] == ["write", "draft"]  # type: ignore[attr-defined]


async def test_calling_run_again_continues_the_conversation() -> None:
    writer, critic = two_agents()
    team = RoundRobinGroupChat([writer, critic], termination_condition=MaxMessageTermination(2))
    await team.run(task="write")
    result = await team.run()
    # The condition was reset and the order continues where it stopped.
    assert sources(result) == ["critic", "writer"]
    assert [m.content for m in critic.received] == ["write", "draft"]  # type: ignore[attr-defined]


async def test_max_turns_stops_with_autogen_text_and_resets_the_count() -> None:
    team = RoundRobinGroupChat(list(two_agents()), max_turns=3)
    result = await team.run(task="go")
    assert sources(result) == ["user", "writer", "critic", "writer"]
    assert result.stop_reason == "Maximum number of turns 3 reached."
    assert len((await team.run()).messages) == 3


async def test_termination_on_the_task_itself_stops_before_anyone_speaks() -> None:
    writer, critic = two_agents()
    team = RoundRobinGroupChat(
        [writer, critic], termination_condition=TextMentionTermination("STOP")
    )
    result = await team.run(task="STOP now")
    assert sources(result) == ["user"]
    assert result.stop_reason == "Text 'STOP' mentioned"
    assert writer.turns == 0


async def test_reset_forgets_the_conversation_and_the_agents_state() -> None:
    writer, critic = two_agents()
    team = RoundRobinGroupChat([writer, critic], max_turns=1)
    await team.run(task="one")
    await team.reset()
    assert writer.turns == 0 and writer.received == []
    result = await team.run(task="two")
    assert sources(result) == ["user", "writer"]


async def test_a_failing_participant_is_reported_and_the_team_stays_usable() -> None:
    writer = ScriptedChatAgent("writer", ["draft"], fail_on=0)
    team = RoundRobinGroupChat([writer, ScriptedChatAgent("critic", ["ok"])], max_turns=1)
    with pytest.raises(
        TeamRunError, match="'writer' failed: RuntimeError: writer failed on purpose"
    ):
        await team.run(task="go")
    result = await team.run(task="again")
    assert result.stop_reason == "Maximum number of turns 1 reached."


async def test_a_second_concurrent_run_is_refused_and_the_first_completes() -> None:
    team = RoundRobinGroupChat(list(two_agents(delay=0.05)), max_turns=2)
    first = asyncio.ensure_future(team.run(task="first"))
    await asyncio.sleep(0.01)
    with pytest.raises(TeamRunError, match="already running"):
        await team.run(task="second")
    assert (await first).stop_reason == "Maximum number of turns 2 reached."


class HeldAgent(ScriptedChatAgent):
    """Holds its answer until the cancellation token fires, while ``held`` is set."""

    def __init__(self, name: str, replies: list[str]) -> None:
        super().__init__(name, replies)
        self.held = True
        self.waiting = asyncio.Event()

    async def on_messages(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> Response:
        if self.held:
            self.waiting.set()
            never = asyncio.get_running_loop().create_future()
            cancellation_token.link_future(never)
            await never
        return await super().on_messages(messages, cancellation_token)


async def test_cancellation_stops_the_run_and_keeps_the_team_usable() -> None:
    writer = HeldAgent("writer", ["draft"])
    team = RoundRobinGroupChat([writer, ScriptedChatAgent("critic", ["ok"])], max_turns=2)
    token = CancellationToken()
    run = asyncio.ensure_future(team.run(task="slow", cancellation_token=token))
    await asyncio.wait_for(writer.waiting.wait(), timeout=10)
    token.cancel()
    with pytest.raises(CancelledError, match="cancelled"):
        await asyncio.wait_for(run, timeout=10)
    # The cancelled team itself runs again; as in AutoGen, the turn cut short counts,
    # so the critic speaks next.
    writer.held = False
    result = await asyncio.wait_for(team.run(task="fine"), timeout=10)
    assert result.stop_reason == "Maximum number of turns 2 reached."
    assert sources(result) == ["user", "critic", "writer"]


async def test_state_round_trips_through_json_into_a_new_team() -> None:
    writer, critic = two_agents()
    original = RoundRobinGroupChat([writer, critic], termination_condition=MaxMessageTermination(2))
    await original.run(task="write")
    state = json.loads(json.dumps(await original.save_state()))

    restored = RoundRobinGroupChat(
        list(two_agents()), termination_condition=MaxMessageTermination(2)
    )
    await restored.load_state(state)
    expected = await original.run()
    continued = await restored.run()
    assert sources(continued) == sources(expected) == ["critic", "writer"]
    assert [m.to_text() for m in continued.messages] == [m.to_text() for m in expected.messages]


async def test_state_from_another_team_shape_is_refused_with_the_mismatch() -> None:
    team = RoundRobinGroupChat(list(two_agents()), max_turns=1)
    await team.run(task="x")
    state = await team.save_state()
    other = RoundRobinGroupChat(
        [ScriptedChatAgent("writer", ["a"]), ScriptedChatAgent("editor", ["b"])], max_turns=1
    )
    with pytest.raises(ConfigurationError, match=r"\['writer', 'critic'\].*\['writer', 'editor'\]"):
        await other.load_state(state)
    assert (await other.run(task="still fine")).stop_reason is not None


async def test_nested_team_takes_a_turn_and_its_messages_stream_out() -> None:
    inner = RoundRobinGroupChat(
        [ScriptedChatAgent("researcher", ["facts"]), ScriptedChatAgent("checker", ["checked"])],
        name="research",
        max_turns=2,
    )
    outer = RoundRobinGroupChat([inner, ScriptedChatAgent("writer", ["article"])], max_turns=2)
    result = await outer.run(task="write about bees")
    assert sources(result) == ["user", "researcher", "checker", "writer"]


async def test_pause_and_resume_reach_every_participant() -> None:
    writer, critic = two_agents()
    team = RoundRobinGroupChat([writer, critic], max_turns=1)
    await team.pause()
    assert writer.paused and critic.paused
    await team.resume()
    assert not writer.paused and not critic.paused


async def test_team_runs_on_a_runtime_passed_in() -> None:
    runtime = InProcessRuntime()
    team = RoundRobinGroupChat(list(two_agents()), max_turns=2, runtime=runtime)
    runtime.start()
    try:
        result = await team.run(task="on my runtime")
    finally:
        await runtime.stop_when_idle()
    assert sources(result) == ["user", "writer", "critic"]


async def test_run_stream_yields_messages_in_order_then_the_result() -> None:
    team = RoundRobinGroupChat(list(two_agents()), max_turns=2)
    items = [item async for item in team.run_stream(task=TextMessage(content="hi", source="boss"))]
    assert [type(i).__name__ for i in items] == ["TextMessage"] * 3 + ["TaskResult"]
    assert items[0].source == "boss"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: RoundRobinGroupChat([]), "at least one participant"),
        (
            lambda: RoundRobinGroupChat(
                [ScriptedChatAgent("a", ["x"]), ScriptedChatAgent("a", ["y"])]
            ),
            "unique; repeated: a",
        ),
        (lambda: RoundRobinGroupChat([ScriptedChatAgent("a", ["x"])], max_turns=0), "max_turns"),
        (lambda: RoundRobinGroupChat(["not an agent"]), "ChatAgents or Teams"),  # type: ignore[list-item]
    ],
)
def test_bad_team_arguments_are_refused_clearly(build: object, expected: str) -> None:
    with pytest.raises(ConfigurationError, match=expected):
        build()  # type: ignore[operator]


async def test_bad_task_is_refused_and_the_team_stays_usable() -> None:
    team = RoundRobinGroupChat(list(two_agents()), max_turns=1)
    with pytest.raises(
        ConfigurationError, match="task list must hold chat messages only, got int, int"
    ):
        await team.run(task=[1, 2])  # type: ignore[list-item]
    assert (await team.run(task="ok")).stop_reason == "Maximum number of turns 1 reached."


BUILD_TEAM = """
import asyncio, json, sys
from retinue.testing import ScriptedChatAgent
from retinue_agentchat.conditions import MaxMessageTermination
from retinue_agentchat.teams import RoundRobinGroupChat

def build():
    return RoundRobinGroupChat(
        [ScriptedChatAgent("writer", ["draft 1", "draft 2"]), ScriptedChatAgent("critic", ["ok"])],
        termination_condition=MaxMessageTermination(3),
    )
"""

SAVE = (
    BUILD_TEAM
    + """
async def main():
    team = build()
    await team.run(task="write")
    print(json.dumps(await team.save_state()))
asyncio.run(main())
"""
)

LOAD_AND_CONTINUE = (
    BUILD_TEAM
    + """
async def main():
    team = build()
    await team.load_state(json.loads(sys.stdin.read()))
    result = await team.run()
    print(json.dumps([[m.source, m.to_text()] for m in result.messages]))
asyncio.run(main())
"""
)


async def test_state_saved_in_one_process_continues_in_another() -> None:
    saved = subprocess.run(
        [sys.executable, "-c", SAVE], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    continued = subprocess.run(
        [sys.executable, "-c", LOAD_AND_CONTINUE],
        input=saved,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    # What the same team says next when it keeps running in one process.
    namespace: dict[str, Any] = {}
    exec(BUILD_TEAM, namespace)
    team = namespace["build"]()
    await team.run(task="write")
    uninterrupted = await team.run()
    expected = [[m.source, m.to_text()] for m in uninterrupted.messages]
    assert json.loads(continued) == expected
    assert expected == [["writer", "draft 2"], ["critic", "ok"], ["writer", "draft 1"]]


async def test_pause_reaches_a_participant_while_the_team_runs() -> None:
    writer = ScriptedChatAgent("writer", ["draft"], delay=0.2)
    critic = ScriptedChatAgent("critic", ["ok"])
    team = RoundRobinGroupChat([writer, critic], max_turns=1)
    run = asyncio.ensure_future(team.run(task="slow"))
    await asyncio.sleep(0.05)
    await team.pause()
    assert writer.paused and critic.paused
    await team.resume()
    assert not writer.paused
    assert (await run).stop_reason == "Maximum number of turns 1 reached."


async def test_stopping_to_read_the_stream_stops_the_team() -> None:
    # Nothing ends this run but closing the stream (the external stop is not set yet).
    stop = ExternalTermination()
    team = RoundRobinGroupChat(list(two_agents()), termination_condition=stop)
    stream = team.run_stream(task="chat forever")
    seen = [await stream.__anext__() for _ in range(5)]
    await stream.aclose()
    assert [m.source for m in seen] == ["user", "writer", "critic", "writer", "critic"]  # type: ignore[union-attr]
    stop.set()
    result = await team.run(task="now stop")
    assert result.stop_reason == "External termination requested"


async def test_a_runtime_passed_in_must_be_started_first() -> None:
    runtime = InProcessRuntime()
    team = RoundRobinGroupChat(list(two_agents()), max_turns=1, runtime=runtime)
    with pytest.raises(ConfigurationError, match=r"not running; call runtime.start\(\) first"):
        await team.run(task="too early")
    runtime.start()
    try:
        assert (await team.run(task="now")).stop_reason == "Maximum number of turns 1 reached."
    finally:
        await runtime.stop_when_idle()
