"""A long-lived cancellation token does not collect a callback per use."""

from __future__ import annotations

import gc

from retinue import CancellationToken
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat.agents import AssistantAgent
from retinue_agentchat.conditions import MaxMessageTermination
from retinue_agentchat.teams import RoundRobinGroupChat


def test_a_detached_callback_is_not_run() -> None:
    token = CancellationToken()
    calls: list[str] = []
    detach = token.add_callback(lambda: calls.append("first"))
    token.add_callback(lambda: calls.append("second"))
    detach()
    detach()  # twice is harmless
    token.cancel()
    assert calls == ["second"]


def test_detaching_after_cancellation_does_nothing() -> None:
    token = CancellationToken()
    token.cancel()
    calls: list[int] = []
    detach = token.add_callback(lambda: calls.append(1))
    detach()
    assert calls == [1]


async def test_team_runs_leave_nothing_on_the_callers_token() -> None:
    token = CancellationToken()
    agent = AssistantAgent("solo", model_client=ScriptedChatCompletionClient(replies=["hi"] * 40))
    team = RoundRobinGroupChat([agent], termination_condition=MaxMessageTermination(2))
    for _ in range(20):
        await team.run(task="go", cancellation_token=token)
    gc.collect()
    assert len(token._callbacks) == 0
    assert not token.is_cancelled()
