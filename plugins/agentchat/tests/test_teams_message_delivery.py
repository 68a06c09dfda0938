"""What each participant is handed when asked to speak, across turns, state and processes.

The manager hands every participant, with its request, the task and the others'
replies since it last spoke (never its own); saved team state keeps what a
participant has not been handed yet in its container's ``message_buffer``.
"""

from __future__ import annotations

import json

from retinue.chat import BaseChatMessage
from retinue.runtime import InProcessRuntime
from retinue.testing import ScriptedChatAgent
from retinue_agentchat.teams import RoundRobinGroupChat


def seen(agent: ScriptedChatAgent) -> list[str]:
    return [f"{m.source}:{m.to_text()}" for m in agent.received]


def three() -> tuple[ScriptedChatAgent, ScriptedChatAgent, ScriptedChatAgent]:
    return (
        ScriptedChatAgent("a", ["a1", "a2"]),
        ScriptedChatAgent("b", ["b1", "b2"]),
        ScriptedChatAgent("c", ["c1", "c2"]),
    )


async def test_each_speaker_gets_the_task_and_the_others_replies_since_it_last_spoke() -> None:
    a, b, c = three()
    team = RoundRobinGroupChat([a, b, c], max_turns=5)
    result = await team.run(task="go")
    assert [m.source for m in result.messages] == ["user", "a", "b", "c", "a", "b"]
    assert seen(a) == ["user:go", "b:b1", "c:c1"]
    assert seen(b) == ["user:go", "a:a1", "c:c1", "a:a2"]
    assert seen(c) == ["user:go", "a:a1", "b:b1"]


async def test_a_second_run_hands_over_the_new_task_and_what_was_missed() -> None:
    a, b, c = three()
    team = RoundRobinGroupChat([a, b, c], max_turns=1)
    await team.run(task="first")  # only a speaks
    await team.run(task="second")  # then b
    assert seen(a) == ["user:first"]
    assert seen(b) == ["user:first", "a:a1", "user:second"]
    assert seen(c) == []


async def test_reset_forgets_what_was_not_handed_over() -> None:
    a, b, c = three()
    team = RoundRobinGroupChat([a, b, c], max_turns=1)
    await team.run(task="old")
    await team.reset()
    b.received.clear()
    await team.run(task="new")
    assert seen(a)[-1] == "user:new"
    assert seen(b) == []


async def test_saved_state_keeps_unseen_messages_in_the_containers_buffers() -> None:
    a, b, c = three()
    team = RoundRobinGroupChat([a, b, c], max_turns=2)
    await team.run(task="go")  # a and b spoke; c has seen nothing yet
    state = json.loads(json.dumps(await team.save_state()))

    buffers = {
        name: [
            f"{m['source']}:{m['content']}" for m in state["agent_states"][name]["message_buffer"]
        ]
        for name in ("a", "b", "c")
    }
    assert buffers == {"a": ["b:b1"], "b": [], "c": ["user:go", "a:a1", "b:b1"]}
    manager_state = state["agent_states"]["RoundRobinGroupChatManager"]
    assert len(manager_state["message_thread"]) == 3
    assert "undelivered_messages" not in manager_state  # kept by the containers instead

    ra, rb, rc = three()
    restored = RoundRobinGroupChat([ra, rb, rc], max_turns=2)
    await restored.load_state(state)
    # The scripted agents' own state restores what they had received before.
    before = {agent.name: len(agent.received) for agent in (ra, rb, rc)}
    continued = await restored.run()
    assert [m.source for m in continued.messages] == ["c", "a"]
    assert seen(rc)[before["c"] :] == ["user:go", "a:a1", "b:b1"]
    assert seen(ra)[before["a"] :] == ["b:b1", "c:c1"]


async def test_messages_handed_over_survive_a_process_boundary() -> None:
    # serialize_messages encodes and decodes every message as the gRPC runtime would.
    runtime = InProcessRuntime(serialize_messages=True)
    a, b, c = three()
    team = RoundRobinGroupChat([a, b, c], max_turns=4, runtime=runtime)
    runtime.start()
    try:
        await team.run(task="go")
    finally:
        await runtime.stop()
    assert seen(a) == ["user:go", "b:b1", "c:c1"]
    assert all(isinstance(m, BaseChatMessage) for m in a.received)


async def test_runtime_state_restores_what_each_participant_still_has_to_be_handed() -> None:
    runtime = InProcessRuntime()
    a, b, c = three()
    team = RoundRobinGroupChat([a, b, c], max_turns=2, runtime=runtime)
    runtime.start()
    try:
        await team.run(task="go")  # a and b spoke
        snapshot = json.loads(json.dumps(await runtime.save_state()))
        await team.run()  # c and a speak: c is handed the task and both replies
        assert seen(c) == ["user:go", "a:a1", "b:b1"]
        await runtime.load_state(snapshot)  # back to before c spoke
        c.received.clear()
        await team.run()
        assert seen(c) == ["user:go", "a:a1", "b:b1"]
    finally:
        await runtime.stop()
