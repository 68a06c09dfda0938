"""A team whose participants are hosted by other team objects sharing its id and runtime.

This is how a team spreads over processes (each process builds the same team with the
same ``team_id`` and hosts some participants); here the "processes" share one
in-process runtime, which checks the wiring without a network.
"""

from __future__ import annotations

import asyncio

import pytest
from retinue import ConfigurationError
from retinue.chat import TaskResult
from retinue.runtime import InProcessRuntime
from retinue.testing import ScriptedChatAgent
from retinue_agentchat.conditions import MaxMessageTermination
from retinue_agentchat.teams import RoundRobinGroupChat

GUARD = 30.0


def team(
    hosted: list[str] | None, runtime: InProcessRuntime | None, **kwargs: object
) -> RoundRobinGroupChat:
    return RoundRobinGroupChat(
        [ScriptedChatAgent("writer", ["draft"]), ScriptedChatAgent("critic", ["comment"])],
        termination_condition=MaxMessageTermination(3),
        runtime=runtime,
        team_id="poets",
        hosted_participants=hosted,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_participants_registered_by_other_team_objects_take_their_turns() -> None:
    runtime = InProcessRuntime()
    runner = team([], runtime)  # hosts nobody: it only runs the team
    await team(["writer"], runtime).register_participants()
    await team(["critic"], runtime).register_participants()
    runtime.start()
    try:
        result = await asyncio.wait_for(runner.run(task="write"), GUARD)
    finally:
        await runtime.stop()
    assert isinstance(result, TaskResult)
    assert [(m.source, m.content) for m in result.messages] == [
        ("user", "write"),
        ("writer", "draft"),
        ("critic", "comment"),
    ]


async def test_the_same_team_id_names_the_same_agent_types() -> None:
    runtime = InProcessRuntime()
    await team(None, runtime).register_participants()
    # A second full registration of the same team id collides: the types are stable.
    with pytest.raises(ConfigurationError, match="writer_poets"):
        await team(None, runtime).register_participants()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hosted_participants": ["poet"]}, "'poet'.*its participants are writer, critic"),
        ({"hosted_participants": "writer"}, "wrap a single name in a list"),
        ({"team_id": "a b"}, "team_id must be a non-empty string"),
        ({"team_id": ""}, "team_id must be a non-empty string"),
    ],
)
def test_bad_team_ids_and_hosted_names_are_refused(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"team_id": "poets", **kwargs}
    with pytest.raises(ConfigurationError, match=message):
        RoundRobinGroupChat(
            [ScriptedChatAgent("writer", ["draft"]), ScriptedChatAgent("critic", ["comment"])],
            **arguments,  # type: ignore[arg-type]
        )
