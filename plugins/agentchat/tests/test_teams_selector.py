"""SelectorGroupChat: selector_func, candidate_func, model selection with feedback and retries."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from retinue import ComponentError, ConfigurationError
from retinue.chat import BaseChatMessage, SelectorEvent, TaskResult
from retinue.models import SystemMessage, UserMessage
from retinue.testing import ScriptedChatAgent, ScriptedChatCompletionClient, TeamConformance
from retinue_agentchat.teams import SelectorGroupChat, TeamRunError
from retinue_agentchat.teams._selector import mentioned_names


def trio() -> list[ScriptedChatAgent]:
    return [
        ScriptedChatAgent("planner", ["plan"], description="Plans the work"),
        ScriptedChatAgent("coder", ["code"], description="Writes code"),
        ScriptedChatAgent("tester", ["tested"], description="Tests code"),
    ]


def sources(result: TaskResult) -> list[str]:
    return [m.source for m in result.messages]


class TestSelectorConformance(TeamConformance):
    @pytest.fixture
    def team(self) -> SelectorGroupChat:
        return SelectorGroupChat(
            [ScriptedChatAgent("a", ["x"], delay=0.01), ScriptedChatAgent("b", ["y"])],
            ScriptedChatCompletionClient(["unused"], cycle=True),
            max_turns=3,
        )


async def test_the_model_picks_the_speaker_from_the_prompt() -> None:
    client = ScriptedChatCompletionClient(["coder", "I pick tester."])
    team = SelectorGroupChat(trio(), client, max_turns=2)
    result = await team.run(task="build it")
    assert sources(result) == ["user", "coder", "tester"]
    prompt = client.requests[0].messages[0]
    # Non-OpenAI families get the prompt as a user message; it lists roles and history.
    assert isinstance(prompt, UserMessage)
    assert "planner: Plans the work" in prompt.content
    assert "user: build it" in prompt.content  # type: ignore[operator]


async def test_openai_family_models_get_a_system_prompt() -> None:
    info = {"vision": False, "function_calling": True, "json_output": True, "family": "gpt-4o"}
    client = ScriptedChatCompletionClient(["coder"], model_info=info)  # type: ignore[arg-type]
    await SelectorGroupChat(trio(), client, max_turns=1).run(task="x")
    assert isinstance(client.requests[0].messages[0], SystemMessage)


async def test_a_reply_naming_nobody_gets_feedback_and_a_retry() -> None:
    client = ScriptedChatCompletionClient(["nobody in particular", "coder"])
    team = SelectorGroupChat(trio(), client, max_turns=1, emit_team_events=True)
    result = await team.run(task="x")
    assert sources(result)[-1] == "coder"
    retry = client.requests[1].messages
    assert retry[-1].content.startswith("Your reply named no team member")  # type: ignore[union-attr]
    assert "planner, coder, tester" in retry[-1].content  # type: ignore[operator]
    selector_events = [m for m in result.messages if isinstance(m, SelectorEvent)]
    assert [e.content for e in selector_events] == ["nobody in particular", "coder"]


async def test_several_names_and_repeats_are_refused_then_attempts_run_out() -> None:
    client = ScriptedChatCompletionClient(["coder", "planner or tester", "coder", "coder"])
    team = SelectorGroupChat(trio(), client, max_turns=2, max_selector_attempts=2)
    result = await team.run(task="x")
    # Turn 1: coder.  Turn 2: "coder" may not repeat, so the candidates are planner and
    # tester; both replies are refused and the first candidate speaks.
    assert sources(result) == ["user", "coder", "planner"]
    assert client.requests[2].messages[-1].content.startswith("Your reply named several")  # type: ignore[union-attr]


async def test_a_repeat_offered_by_candidate_func_is_refused_with_feedback() -> None:
    client = ScriptedChatCompletionClient(["coder", "coder", "tester"])
    team = SelectorGroupChat(
        trio(), client, candidate_func=lambda thread: ["coder", "tester"], max_turns=2
    )
    result = await team.run(task="x")
    assert sources(result) == ["user", "coder", "tester"]
    assert "may not speak twice in a row" in client.requests[2].messages[-1].content  # type: ignore[operator]


async def test_allow_repeated_speaker_lets_the_model_pick_the_last_speaker_again() -> None:
    client = ScriptedChatCompletionClient(["coder", "coder again"])
    team = SelectorGroupChat(trio(), client, allow_repeated_speaker=True, max_turns=2)
    result = await team.run(task="x")
    assert sources(result) == ["user", "coder", "coder"]
    # The last speaker stays among the candidates offered to the model; no retry was needed.
    assert len(client.requests) == 2
    assert "coder: Writes code" in client.requests[1].messages[0].content  # type: ignore[operator]


async def test_selector_func_decides_first_and_none_falls_back_to_the_model() -> None:
    calls: list[int] = []

    def pick(thread: Sequence[BaseChatMessage]) -> str | None:
        calls.append(len(thread))
        return "tester" if len(thread) == 1 else None

    client = ScriptedChatCompletionClient(["planner"])
    team = SelectorGroupChat(trio(), client, selector_func=pick, max_turns=2)
    result = await team.run(task="x")
    assert sources(result) == ["user", "tester", "planner"]
    assert calls == [1, 2]


async def test_candidate_func_narrows_the_choice_without_a_model_call() -> None:
    client = ScriptedChatCompletionClient(["never used"])
    team = SelectorGroupChat(trio(), client, candidate_func=lambda thread: ["planner"], max_turns=2)
    result = await team.run(task="x")
    assert sources(result) == ["user", "planner", "planner"]
    assert client.requests == []


async def test_selector_func_naming_a_stranger_fails_clearly_and_team_recovers() -> None:
    names = iter(["ghost", "coder"])
    team = SelectorGroupChat(
        trio(),
        ScriptedChatCompletionClient(["x"]),
        selector_func=lambda t: next(names),
        max_turns=1,
    )
    with pytest.raises(
        TeamRunError, match=r"selector_func returned 'ghost'.*planner, coder, tester"
    ):
        await team.run(task="x")
    assert sources(await team.run(task="again"))[-1] == "coder"


def test_mentions_match_whole_names_with_underscore_variants() -> None:
    names = ["code_writer", "tester"]
    assert mentioned_names("Next: code writer.", names) == {"code_writer": 1}
    assert mentioned_names(r"code\_writer then tester", names) == {"code_writer": 1, "tester": 1}
    assert mentioned_names("testers", names) == {}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"participants": [ScriptedChatAgent("a", ["x"])]}, "at least two participants"),
        ({"model_client": "gpt-4o"}, "needs a ChatCompletionClient"),
        ({"selector_prompt": "pick one"}, "must contain {participants}"),
        ({"max_selector_attempts": 0}, "at least 1"),
        (
            {"selector_prompt": "Reply as JSON {name: ...} from {participants}: {history}"},
            r"write literal braces as \{\{ and \}\}",
        ),
    ],
)
def test_bad_selector_arguments_are_refused(kwargs: dict[str, object], expected: str) -> None:
    arguments: dict[str, object] = {
        "participants": trio(),
        "model_client": ScriptedChatCompletionClient(["x"]),
        **kwargs,
    }
    with pytest.raises(ConfigurationError, match=expected):
        SelectorGroupChat(**arguments)  # type: ignore[arg-type]


def test_a_selector_with_functions_refuses_to_dump() -> None:
    team = SelectorGroupChat(
        trio(), ScriptedChatCompletionClient(["x"]), selector_func=lambda t: None
    )
    with pytest.raises(ComponentError, match="cannot be dumped"):
        team.dump_component()
