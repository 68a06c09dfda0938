"""Termination conditions: when they fire, their stop texts, reset, and bad input."""

from __future__ import annotations

import asyncio

import pytest
from retinue import ComponentError, ConfigurationError, TerminatedError, load_component
from retinue.chat import (
    HandoffMessage,
    StopMessage,
    TerminationCondition,
    TextMessage,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
)
from retinue.models import FunctionCall, FunctionExecutionResult, RequestUsage
from retinue_agentchat.conditions import (
    ExternalTermination,
    FunctionalTermination,
    FunctionCallTermination,
    HandoffTermination,
    MaxMessageTermination,
    SourceMatchTermination,
    StopMessageTermination,
    TextMentionTermination,
    TextMessageTermination,
    TimeoutTermination,
    TokenUsageTermination,
)


def text(content: str, source: str = "agent", usage: RequestUsage | None = None) -> TextMessage:
    return TextMessage(content=content, source=source, models_usage=usage)


async def test_max_message_counts_chat_messages_and_reports_count() -> None:
    condition = MaxMessageTermination(3)
    event = ToolCallRequestEvent(
        source="a", content=[FunctionCall(id="1", name="f", arguments="{}")]
    )
    assert await condition([text("one"), event]) is None
    assert await condition([text("two")]) is None
    stop = await condition([text("three")])
    assert stop is not None
    assert stop.content == "Maximum number of messages 3 reached, current message count: 3"
    assert stop.source == "MaxMessageTermination"
    assert condition.terminated


async def test_max_message_can_count_events_too() -> None:
    condition = MaxMessageTermination(2, include_agent_event=True)
    event = ToolCallRequestEvent(
        source="a", content=[FunctionCall(id="1", name="f", arguments="{}")]
    )
    assert await condition([text("one"), event]) is not None


async def test_fired_condition_refuses_until_reset() -> None:
    condition = MaxMessageTermination(1)
    assert await condition([text("x")]) is not None
    with pytest.raises(TerminatedError, match="reset"):
        await condition([text("y")])
    await condition.reset()
    assert not condition.terminated
    assert await condition([]) is None
    assert await condition([text("z")]) is not None


async def test_text_mention_with_and_without_sources() -> None:
    condition = TextMentionTermination("TERMINATE")
    assert await condition([text("keep going")]) is None
    stop = await condition([text("done. TERMINATE")])
    assert stop is not None and stop.content == "Text 'TERMINATE' mentioned"

    only_critic = TextMentionTermination("APPROVE", sources=["critic"])
    assert await only_critic([text("APPROVE", source="writer")]) is None
    assert await only_critic([text("APPROVE", source="critic")]) is not None


async def test_stop_message_and_text_message() -> None:
    stop = StopMessageTermination()
    assert await stop([text("hi")]) is None
    fired = await stop([StopMessage(content="bye", source="a")])
    assert fired is not None and fired.content == "Stop message received"

    from_bob = TextMessageTermination("bob")
    assert await from_bob([text("hi", source="alice")]) is None
    fired = await from_bob([text("hi", source="bob")])
    assert fired is not None and fired.content == "Text message received from 'bob'"
    anyone = TextMessageTermination()
    fired = await anyone([text("hi", source="carol")])
    assert fired is not None and fired.content == "Text message received from 'carol'"


async def test_token_usage_sums_across_checks() -> None:
    condition = TokenUsageTermination(max_total_token=30)
    assert (
        await condition([text("a", usage=RequestUsage(prompt_tokens=10, completion_tokens=5))])
        is None
    )
    stop = await condition([text("b", usage=RequestUsage(prompt_tokens=10, completion_tokens=5))])
    assert stop is not None
    assert stop.content == (
        "Token usage limit reached, total token count: 30, prompt token count: 20, "
        "completion token count: 10."
    )
    await condition.reset()
    assert await condition([text("c", usage=RequestUsage(prompt_tokens=1))]) is None


async def test_handoff_source_match_and_function_call() -> None:
    handoff = HandoffTermination("user")
    assert await handoff([HandoffMessage(content="", source="a", target="b")]) is None
    fired = await handoff([HandoffMessage(content="", source="a", target="user")])
    assert fired is not None and fired.content == "Handoff to user from a detected."

    source = SourceMatchTermination(["critic"])
    fired = await source([text("x", source="writer"), text("ok", source="critic")])
    assert fired is not None and fired.content == "'critic' answered"

    function = FunctionCallTermination("approve")
    other = FunctionExecutionResult(content="1", name="add", call_id="1")
    assert await function([ToolCallExecutionEvent(source="a", content=[other])]) is None
    done = FunctionExecutionResult(content="ok", name="approve", call_id="2")
    fired = await function([ToolCallExecutionEvent(source="a", content=[done])])
    assert fired is not None and fired.content == "Function 'approve' was executed."


async def test_timeout_fires_at_first_check_after_deadline() -> None:
    condition = TimeoutTermination(0.01)
    await asyncio.sleep(0.02)
    stop = await condition([])
    assert stop is not None and stop.content == "Timeout of 0.01 seconds reached"
    await condition.reset()
    assert not condition.terminated


async def test_external_termination_fires_after_set_and_resets() -> None:
    condition = ExternalTermination()
    assert await condition([text("x")]) is None
    condition.set()
    stop = await condition([])
    assert stop is not None and stop.content == "External termination requested"
    await condition.reset()
    assert await condition([text("x")]) is None


async def test_functional_termination_accepts_sync_and_async_functions() -> None:
    sync = FunctionalTermination(lambda msgs: any("stop" in m.to_text() for m in msgs))
    assert await sync([text("go")]) is None
    stop = await sync([text("stop")])
    assert stop is not None and stop.content == "Functional termination condition met"

    async def judge(msgs: object) -> bool:
        return True

    assert await FunctionalTermination(judge)([]) is not None


async def test_or_joins_every_fired_condition() -> None:
    condition = TextMentionTermination("TERMINATE") | MaxMessageTermination(1)
    stop = await condition([text("TERMINATE")])
    assert stop is not None
    assert stop.content == (
        "Text 'TERMINATE' mentioned, Maximum number of messages 1 reached, current message count: 1"
    )
    assert stop.source == "TextMentionTermination, MaxMessageTermination"


async def test_and_fires_once_all_have_fired_on_different_checks() -> None:
    condition = TextMentionTermination("A") & TextMentionTermination("B")
    assert await condition([text("A")]) is None
    stop = await condition([text("B")])
    assert stop is not None and stop.content == "Text 'A' mentioned, Text 'B' mentioned"
    await condition.reset()
    assert not condition.terminated


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: MaxMessageTermination(0), "max_messages >= 1"),
        (lambda: TextMentionTermination(""), "non-empty text"),
        (
            lambda: TokenUsageTermination(),
            "^TokenUsageTermination needs at least one limit: max_total_token, "
            "max_prompt_token or max_completion_token$",
        ),
        (lambda: TimeoutTermination(-1), "timeout_seconds > 0"),
        (lambda: TimeoutTermination(0), "timeout_seconds > 0"),
        (lambda: SourceMatchTermination("critic"), "list of sources"),
        (lambda: FunctionalTermination("not callable"), "callable"),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_raise_clear_configuration_errors(build: object, expected: str) -> None:
    with pytest.raises(ConfigurationError, match=expected):
        build()  # type: ignore[operator]
    assert MaxMessageTermination(2).terminated is False  # construction keeps working


def test_functional_termination_refuses_to_dump() -> None:
    with pytest.raises(ComponentError) as caught:
        FunctionalTermination(lambda msgs: True).dump_component()
    assert str(caught.value).startswith(
        "FunctionalTermination wraps a Python function and cannot be dumped to a spec; use a "
        "registered condition (e.g. text_mention, max_message) or combine registered "
        "conditions with | and &"
    )


def test_conditions_dump_with_their_provider_names() -> None:
    spec = (
        TextMentionTermination("TERMINATE", sources=["coder"]) | MaxMessageTermination(8)
    ).dump_component()
    assert spec.provider == "or"
    assert [
        c.provider for c in (type(spec).model_validate(c) for c in spec.config["conditions"])
    ] == [
        "text_mention",
        "max_message",
    ]
    assert spec.config["conditions"][0]["config"] == {"text": "TERMINATE", "sources": ["coder"]}


@pytest.mark.parametrize(
    ("limits", "usage"),
    [
        ({"max_prompt_token": 5}, RequestUsage(prompt_tokens=5, completion_tokens=0)),
        ({"max_completion_token": 5}, RequestUsage(prompt_tokens=0, completion_tokens=5)),
        ({"max_total_token": 5}, RequestUsage(prompt_tokens=2, completion_tokens=3)),
    ],
    ids=["prompt", "completion", "total"],
)
async def test_token_usage_fires_exactly_at_each_limit(
    limits: dict[str, int], usage: RequestUsage
) -> None:
    below = RequestUsage(
        prompt_tokens=max(usage.prompt_tokens - 1, 0),
        completion_tokens=usage.completion_tokens - (0 if usage.prompt_tokens else 1),
    )
    condition = TokenUsageTermination(**limits)
    assert await condition([text("x", usage=below)]) is None, "one token below the limit"
    await condition.reset()
    stop = await condition([text("x", usage=usage)])
    assert stop is not None, f"{limits} must fire when usage reaches it exactly"
    # Reset forgets every count: one token short of the limit again stays quiet.
    await condition.reset()
    assert condition.terminated is False
    assert await condition([text("x", usage=below)]) is None


async def test_token_usage_completion_limit_ignores_prompt_tokens() -> None:
    condition = TokenUsageTermination(max_completion_token=10)
    assert (
        await condition([text("x", usage=RequestUsage(prompt_tokens=500, completion_tokens=9))])
        is None
    )
    stop = await condition([text("y", usage=RequestUsage(prompt_tokens=0, completion_tokens=1))])
    assert stop is not None and stop.content == (
        "Token usage limit reached, total token count: 510, prompt token count: 500, "
        "completion token count: 10."
    )


@pytest.mark.parametrize(
    ("condition", "settings"),
    [
        (TokenUsageTermination(max_total_token=7), {"max_total_token": 7}),
        (
            TokenUsageTermination(max_prompt_token=3, max_completion_token=4),
            {"max_prompt_token": 3, "max_completion_token": 4},
        ),
        (
            MaxMessageTermination(3, include_agent_event=True),
            {"max_messages": 3, "include_agent_event": True},
        ),
        (TextMessageTermination("bob"), {"source": "bob"}),
    ],
    ids=["token_total", "token_prompt_completion", "max_message_events", "text_message"],
)
def test_every_setting_survives_dump_and_load(
    condition: TerminationCondition, settings: dict[str, object]
) -> None:
    spec = condition.dump_component()
    assert settings.items() <= spec.config.items()
    loaded = load_component(spec, TerminationCondition)
    assert loaded.dump_component().config == spec.config


@pytest.mark.parametrize("include_agent_event", [False, True])
async def test_max_message_counts_across_checks(include_agent_event: bool) -> None:
    condition = MaxMessageTermination(2, include_agent_event=include_agent_event)
    assert await condition([text("a")]) is None
    assert await condition([text("b")]) is not None


async def test_text_mention_looks_past_messages_from_other_sources() -> None:
    condition = TextMentionTermination("TERMINATE", sources=["coder"])
    stop = await condition([text("TERMINATE", source="critic"), text("TERMINATE", source="coder")])
    assert stop is not None


async def test_a_fired_condition_names_itself_when_called_again() -> None:
    condition = MaxMessageTermination(1)
    await condition([text("a")])
    with pytest.raises(TerminatedError, match=r"^MaxMessageTermination has already fired"):
        await condition([text("b")])
    await condition.reset()
    assert condition.terminated is False
