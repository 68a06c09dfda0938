"""MagenticOneGroupChat driven by a scripted model: planning, rounds, stalls, re-planning,
limits, malformed ledgers, state, continuation and specs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from retinue import RetinueError, load_component
from retinue.chat import SelectSpeakerEvent, TaskResult
from retinue.models import AssistantMessage, UserMessage
from retinue.testing import ScriptedChatAgent, ScriptedChatCompletionClient, TeamConformance
from retinue_agentchat.agents import AssistantAgent
from retinue_agentchat.conditions import MaxMessageTermination, TextMentionTermination
from retinue_agentchat.teams import TeamRunError
from retinue_magentic_one import LedgerError, MagenticOneGroupChat, ProgressLedger

from .conftest import LedgerFactory, ledger_json

FIXTURES = Path(__file__).parent / "fixtures"
TIMEOUT = 60


def agents() -> tuple[ScriptedChatAgent, ScriptedChatAgent]:
    return (
        ScriptedChatAgent("web", ["The page says 42."], description="Browses the web."),
        ScriptedChatAgent("coder", ["print(42) prints 42"], description="Writes code."),
    )


async def run(team: MagenticOneGroupChat, task: str | None = "What is the answer?") -> TaskResult:
    return await asyncio.wait_for(team.run(task=task), TIMEOUT)


def texts(result: TaskResult) -> list[tuple[str, str]]:
    return [(m.source, m.to_text()) for m in result.messages]


class TestConformance(TeamConformance):
    @pytest.fixture
    def team(self) -> MagenticOneGroupChat:
        # A new task costs five calls (facts, plan, a round, the closing round, the
        # answer); a continuation reads the first two as malformed ledgers and recovers.
        client = ScriptedChatCompletionClient(
            [
                "facts",
                "plan",
                ledger_json("web", "Look it up."),
                ledger_json(satisfied=True, reason="Answered."),
                "final",
            ],
            cycle=True,
        )
        return MagenticOneGroupChat(list(agents()), model_client=client)


async def test_a_task_runs_from_plan_to_final_answer(ledger: LedgerFactory) -> None:
    web, coder = agents()
    client = ScriptedChatCompletionClient(
        [
            "FACTS: the answer is asked for.",
            "PLAN: web looks it up, coder checks.",
            ledger("web", "Find the answer on the page."),
            ledger("coder", "Check it with code."),
            ledger(satisfied=True, reason="Both agree on 42."),
            "The answer is 42.",
        ]
    )
    team = MagenticOneGroupChat([web, coder], model_client=client)
    result = await run(team)

    sources = [source for source, _ in texts(result)]
    assert sources == [
        "user",
        "MagenticOneOrchestrator",  # the task ledger
        "MagenticOneOrchestrator",
        "web",
        "MagenticOneOrchestrator",
        "coder",
        "MagenticOneOrchestrator",  # the final answer
    ]
    ledger_text = result.messages[1].to_text()
    assert "FACTS: the answer is asked for." in ledger_text
    assert "PLAN: web looks it up" in ledger_text
    assert "web: Browses the web." in ledger_text
    assert result.messages[2].to_text() == "Find the answer on the page."
    assert result.messages[-1].to_text() == "The answer is 42."
    assert result.stop_reason == "Both agree on 42."
    # Each participant was handed the ledger and the instruction before it spoke.
    assert [m.to_text() for m in web.received][-1] == "Find the answer on the page."
    assert "The page says 42." in [m.to_text() for m in coder.received]
    # The progress ledger asks for structured output when the model supports it.
    ledger_requests = [r for r in client.requests if r.json_output is not None]
    assert len(ledger_requests) == 3
    assert all(r.json_output is ProgressLedger for r in ledger_requests)
    assert "web, coder" in str(ledger_requests[0].messages[-1].content)


async def test_json_mode_is_used_without_structured_output(ledger: LedgerFactory) -> None:
    client = ScriptedChatCompletionClient(
        ["f", "p", ledger(satisfied=True), "done"],
        model_info={
            "vision": False,
            "function_calling": True,
            "json_output": True,
            "structured_output": False,
            "family": "unknown",
        },
    )
    await run(MagenticOneGroupChat(list(agents()), model_client=client))
    assert [r.json_output for r in client.requests] == [None, None, True, None]


async def test_stalls_trigger_a_new_plan_with_updated_facts(ledger: LedgerFactory) -> None:
    web, coder = agents()
    client = ScriptedChatCompletionClient(
        [
            "facts v1",
            "plan v1",
            ledger("web", "Try the page.", progress=False),
            ledger("web", "Try again.", loop=True),  # second stall -> re-plan
            "facts v2",
            "The page was wrong. plan v2",
            ledger("coder", "Compute it instead."),
            ledger(satisfied=True, reason="Computed."),
            "42",
        ]
    )
    team = MagenticOneGroupChat([web, coder], model_client=client, max_stalls=2)
    result = await run(team)

    ledgers = [m.to_text() for m in result.messages if "The plan:" in m.to_text()]
    assert len(ledgers) == 2
    assert "facts v1" in ledgers[0] and "plan v1" in ledgers[0]
    assert "facts v2" in ledgers[1] and "plan v2" in ledgers[1]
    # Re-planning saw the conversation and the old facts.
    update_request = client.requests[4]
    assert "facts v1" in str(update_request.messages[-1].content)
    assert any("The page says 42." in str(m.content) for m in update_request.messages)
    # The participants were reset for the new plan: web forgot its two attempts.
    assert web.turns == 0 and not web.received
    assert coder.turns == 1
    assert all(m.to_text() != "Try the page." for m in coder.received)
    assert result.stop_reason == "Computed."
    state = await team.save_state()
    assert state["agent_states"]["MagenticOneOrchestrator"]["n_stalls"] == 1  # not reset


async def test_max_turns_ends_with_a_final_answer(ledger: LedgerFactory) -> None:
    client = ScriptedChatCompletionClient(
        ["f", "p", ledger("web", "One."), ledger("coder", "Two."), "Best effort: 42."]
    )
    team = MagenticOneGroupChat(list(agents()), model_client=client, max_turns=2)
    result = await run(team)
    assert result.stop_reason == "Max rounds reached."
    assert result.messages[-1].to_text() == "Best effort: 42."
    assert client.calls_left == 0
    assert team.max_turns == 2


async def test_a_malformed_ledger_is_retried_with_feedback(ledger: LedgerFactory) -> None:
    client = ScriptedChatCompletionClient(
        [
            "f",
            "p",
            "I think web should go next.",  # no JSON at all
            '{"is_request_satisfied": {"answer": false}}',  # wrong shape
            ledger("web", "Go."),
            ledger(satisfied=True),
            "done",
        ]
    )
    result = await run(MagenticOneGroupChat(list(agents()), model_client=client))
    assert result.messages[-1].to_text() == "done"
    first_retry = client.requests[3].messages
    assert first_retry[-2] == AssistantMessage(
        content="I think web should go next.", source="MagenticOneOrchestrator"
    )
    assert isinstance(first_retry[-1], UserMessage)
    assert "no JSON object" in str(first_retry[-1].content)
    second_retry = client.requests[4].messages[-1]
    assert "reason" in str(second_retry.content) and "is_in_loop" in str(second_retry.content)


async def test_a_ledger_naming_an_unknown_speaker_is_sent_back(ledger: LedgerFactory) -> None:
    client = ScriptedChatCompletionClient(
        ["f", "p", ledger("WebSurfer", "Go."), ledger("web", "Go."), ledger(satisfied=True), "ok"]
    )
    web, coder = agents()
    result = await run(MagenticOneGroupChat([web, coder], model_client=client))
    feedback = str(client.requests[3].messages[-1].content)
    assert "next_speaker 'WebSurfer' is not a member of the team" in feedback
    assert "web, coder" in feedback
    assert web.turns == 1
    assert result.stop_reason is not None


async def test_ledger_retries_running_out_fail_the_run_and_the_team_recovers(
    ledger: LedgerFactory,
) -> None:
    client = ScriptedChatCompletionClient(
        ["f", "p", "nope", "still nope", ledger(satisfied=True), "recovered"]
    )
    team = MagenticOneGroupChat(list(agents()), model_client=client, max_json_retries=2)
    with pytest.raises(TeamRunError) as caught:
        await run(team)
    message = str(caught.value)
    assert "LedgerError" in message and "2 attempts" in message
    assert "'still nope'" in message and "json_output" in message
    # The same team continues the task on the next run.
    result = await run(team, task=None)
    assert result.messages[-1].to_text() == "recovered"


def test_ledger_error_is_a_retinue_error() -> None:
    assert issubclass(LedgerError, RetinueError)


async def test_one_participant_is_always_the_next_speaker(ledger: LedgerFactory) -> None:
    (web, _) = agents()
    client = ScriptedChatCompletionClient(
        ["f", "p", ledger("somebody", "Go."), ledger(satisfied=True), "ok"]
    )
    await run(MagenticOneGroupChat([web], model_client=client))
    assert web.turns == 1


async def test_termination_condition_and_team_events(ledger: LedgerFactory) -> None:
    client = ScriptedChatCompletionClient(["f", "p", ledger("web", "Go."), ledger("coder", "Go.")])
    team = MagenticOneGroupChat(
        list(agents()),
        model_client=client,
        termination_condition=TextMentionTermination("42"),
        emit_team_events=True,
    )
    items = [item async for item in team.run_stream(task="What is the answer?")]
    result = items[-1]
    assert isinstance(result, TaskResult)
    assert result.stop_reason is not None and "42" in result.stop_reason
    events = [item for item in items if isinstance(item, SelectSpeakerEvent)]
    assert [e.content for e in events] == [["web"]]


async def test_max_message_termination_counts_participant_turns(ledger: LedgerFactory) -> None:
    client = ScriptedChatCompletionClient(["f", "p", ledger("web", "Go."), ledger("coder", "Go.")])
    web, coder = agents()
    team = MagenticOneGroupChat(
        [web, coder], model_client=client, termination_condition=MaxMessageTermination(2)
    )
    result = await run(team)
    # The task and web's reply count; the orchestrator's own messages do not.
    assert result.stop_reason == "Maximum number of messages 2 reached, current message count: 2"
    assert (web.turns, coder.turns) == (1, 0)


async def test_state_saves_the_ledger_and_a_loaded_team_continues(ledger: LedgerFactory) -> None:
    client = ScriptedChatCompletionClient(["facts!", "plan!", ledger("web", "Go.")])
    team = MagenticOneGroupChat(
        list(agents()), model_client=client, termination_condition=MaxMessageTermination(2)
    )
    await run(team)
    state = json.loads(json.dumps(await team.save_state()))
    manager = state["agent_states"]["MagenticOneOrchestrator"]
    assert manager["task"] == "What is the answer?"
    assert (manager["facts"], manager["plan"], manager["n_rounds"]) == ("facts!", "plan!", 1)

    client2 = ScriptedChatCompletionClient([ledger(satisfied=True, reason="Done."), "42"])
    other = MagenticOneGroupChat(list(agents()), model_client=client2)
    await other.load_state(state)
    result = await run(other, task=None)  # continues the loaded task, no new plan
    assert result.stop_reason == "Done."
    assert "What is the answer?" in str(client2.requests[0].messages[-1].content)
    assert any("The page says 42." in str(m.content) for m in client2.requests[0].messages)


@pytest.mark.parametrize(
    "bad", [{"n_stalls": -1}, {"task": 3}, {"n_rounds": True}], ids=["stalls", "task", "rounds"]
)
async def test_a_bad_orchestrator_state_is_refused(bad: dict[str, object]) -> None:
    client = ScriptedChatCompletionClient(["unused"])
    team = MagenticOneGroupChat(list(agents()), model_client=client)
    state = json.loads(json.dumps(await team.save_state()))
    state["agent_states"]["MagenticOneOrchestrator"].update(bad)
    with pytest.raises(RetinueError, match=next(iter(bad))):
        await team.load_state(state)


async def test_a_new_task_is_planned_afresh(ledger: LedgerFactory) -> None:
    client = ScriptedChatCompletionClient(
        [
            "f1",
            "p1",
            ledger(satisfied=True),
            "a1",
            "f2",
            "p2",
            ledger(satisfied=True),
            "a2",
        ]
    )
    team = MagenticOneGroupChat(list(agents()), model_client=client)
    await run(team, "first question")
    result = await run(team, "second question")
    assert "second question" in str(client.requests[4].messages[0].content)
    assert "f2" in result.messages[1].to_text()
    assert result.messages[-1].to_text() == "a2"


async def test_a_first_run_without_a_task_says_to_pass_one() -> None:
    team = MagenticOneGroupChat(list(agents()), model_client=ScriptedChatCompletionClient(["x"]))
    with pytest.raises(TeamRunError, match="pass task="):
        await run(team, task=None)


def test_bad_arguments_are_refused() -> None:
    client = ScriptedChatCompletionClient(["x"])
    with pytest.raises(RetinueError, match="max_stalls"):
        MagenticOneGroupChat(list(agents()), model_client=client, max_stalls=0)
    with pytest.raises(RetinueError, match="max_turns"):
        MagenticOneGroupChat(list(agents()), model_client=client, max_turns=0)
    inner = MagenticOneGroupChat(list(agents()), model_client=client)
    with pytest.raises(RetinueError, match="nested team"):
        MagenticOneGroupChat([inner], model_client=client)  # type: ignore[list-item]


async def test_spec_round_trip_keeps_the_settings() -> None:
    client = ScriptedChatCompletionClient(["x"])
    helper = AssistantAgent("helper", model_client=client, description="Helps.")
    team = MagenticOneGroupChat(
        [helper],
        model_client=client,
        max_turns=5,
        max_stalls=4,
        final_answer_prompt="Answer {task} now.",
    )
    spec = team.dump_component()
    assert spec.provider == "magentic_one"
    loaded = load_component(spec.model_dump(mode="json"))
    assert isinstance(loaded, MagenticOneGroupChat)
    assert loaded.dump_component() == spec
    assert (loaded.max_turns, spec.config["max_stalls"]) == (5, 4)
    assert spec.config["final_answer_prompt"] == "Answer {task} now."


def test_autogen_magentic_one_json_loads() -> None:
    spec = json.loads((FIXTURES / "autogen_magentic_one_group_chat.json").read_text())
    team = load_component(spec)
    assert isinstance(team, MagenticOneGroupChat)
    assert team.name == "m1team"
    assert team.max_turns == 7
    assert [p.name for p in team.participants] == ["helper"]
    assert team.termination_condition is not None
    assert team.dump_component().config["max_stalls"] == 2


async def test_the_autogen_final_answer_prompt_gets_the_task(ledger: LedgerFactory) -> None:
    spec = json.loads((FIXTURES / "autogen_magentic_one_group_chat.json").read_text())
    prompt = spec["config"]["final_answer_prompt"]
    assert "{task}" in prompt
    client = ScriptedChatCompletionClient(["f", "p", ledger(satisfied=True), "done"])
    team = MagenticOneGroupChat(list(agents()), model_client=client, final_answer_prompt=prompt)
    await run(team, "the unique task text")
    final_prompt = str(client.requests[-1].messages[-1].content)
    assert "the unique task text" in final_prompt and "{task}" not in final_prompt
