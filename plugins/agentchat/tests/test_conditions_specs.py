"""Termination conditions: conformance, declarative dump/load, and AutoGen's JSON specs."""

from __future__ import annotations

from typing import Any

import pytest
from retinue import ComponentError, ComponentLoadError, load_component
from retinue.chat import (
    HandoffMessage,
    StopMessage,
    TerminationCondition,
    TextMessage,
    ToolCallExecutionEvent,
)
from retinue.models import FunctionExecutionResult, RequestUsage
from retinue.testing import TerminationConditionConformance
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


def text(content: str, source: str = "agent") -> TextMessage:
    return TextMessage(content=content, source=source)


class TestMaxMessage(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return MaxMessageTermination(2)

    @pytest.fixture
    def quiet_messages(self) -> list[Any]:
        return [text("a")]

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        return [text("a"), text("b")]


class TestTextMention(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return TextMentionTermination("TERMINATE", sources=["coder"])

    @pytest.fixture
    def quiet_messages(self) -> list[Any]:
        return [text("TERMINATE", source="critic"), text("not yet", source="coder")]

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        return [text("done TERMINATE", source="coder")]


class TestStopMessage(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return StopMessageTermination()

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        return [StopMessage(content="stop", source="a")]


class TestTokenUsage(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return TokenUsageTermination(max_prompt_token=5)

    @pytest.fixture
    def quiet_messages(self) -> list[Any]:
        usage = RequestUsage(prompt_tokens=3, completion_tokens=0)
        return [TextMessage(content="x", source="a", models_usage=usage)]

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        usage = RequestUsage(prompt_tokens=9, completion_tokens=0)
        return [TextMessage(content="x", source="a", models_usage=usage)]


class TestHandoff(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return HandoffTermination("user")

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        return [HandoffMessage(content="", source="a", target="user")]


class TestTimeout(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return TimeoutTermination(1e-9)

    @pytest.fixture
    def quiet_messages(self) -> list[Any]:
        # Any check after the (tiny) deadline fires; the suite's quiet check needs a
        # condition that has not expired, so it gets a second, long-lived instance.
        return []

    async def test_stays_quiet_then_fires(
        self, condition: TerminationCondition, quiet_messages: Any, firing_messages: Any
    ) -> None:  # type: ignore[override]
        assert await TimeoutTermination(3600)([text("x")]) is None
        stop = await condition(firing_messages)
        assert stop is not None and stop.content == "Timeout of 1e-09 seconds reached"

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        return [text("late")]


class TestExternal(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> ExternalTermination:
        return ExternalTermination()

    @pytest.fixture
    def firing_messages(self, condition: ExternalTermination) -> list[Any]:
        condition.set()
        return []

    async def test_stays_quiet_then_fires(  # type: ignore[override]
        self, condition: ExternalTermination, quiet_messages: Any, firing_messages: Any
    ) -> None:
        # The firing fixture has already called set(); a fresh instance shows the quiet side.
        assert await ExternalTermination()([text("x")]) is None
        stop = await condition(firing_messages)
        assert stop is not None and stop.content == "External termination requested"

    async def test_reset_makes_it_usable_again(  # type: ignore[override]
        self, condition: ExternalTermination, firing_messages: Any
    ) -> None:
        await condition(firing_messages)
        await condition.reset()
        assert await condition([text("x")]) is None, "reset() withdraws the stop request"
        condition.set()
        assert await condition([]) is not None


class TestSourceMatch(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return SourceMatchTermination(["critic"])

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        return [text("ok", source="critic")]


class TestTextMessage(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return TextMessageTermination("bob")

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        return [text("hi", source="bob")]


class TestFunctionCall(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return FunctionCallTermination("approve")

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        result = FunctionExecutionResult(content="ok", name="approve", call_id="1")
        return [ToolCallExecutionEvent(source="a", content=[result])]


class TestFunctional(TerminationConditionConformance):
    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return FunctionalTermination(lambda messages: any(m.to_text() == "stop" for m in messages))

    @pytest.fixture
    def firing_messages(self) -> list[Any]:
        return [text("stop")]

    def test_dump_and_load_round_trip(
        self, condition: TerminationCondition, component_registry: Any
    ) -> None:  # type: ignore[override]
        # It wraps Python code: refusing to dump, clearly, is its declarative contract.
        with pytest.raises(ComponentError, match="cannot be dumped to a spec"):
            condition.dump_component()


def autogen_spec(cls: str, config: dict[str, Any], module: str = "conditions") -> dict[str, Any]:
    """A spec as AutoGen 0.7.5's dump_component writes it."""
    return {
        "provider": f"autogen_agentchat.{module}.{cls}",
        "component_type": "termination",
        "version": 1,
        "component_version": 1,
        "description": None,
        "label": cls,
        "config": config,
    }


async def test_autogen_json_spec_of_a_combined_condition_loads_and_works() -> None:
    spec = autogen_spec(
        "OrTerminationCondition",
        {
            "conditions": [
                autogen_spec(
                    "MaxMessageTermination", {"max_messages": 10, "include_agent_event": False}
                ),
                autogen_spec("TextMentionTermination", {"text": "TERMINATE"}),
            ]
        },
        module="base",
    )
    condition = load_component(spec, TerminationCondition)
    stop = await condition([text("all done, TERMINATE")])
    assert stop is not None and stop.content == "Text 'TERMINATE' mentioned"


@pytest.mark.parametrize(
    ("cls", "config"),
    [
        ("MaxMessageTermination", {"max_messages": 3, "include_agent_event": False}),
        ("TextMentionTermination", {"text": "TERMINATE"}),
        ("StopMessageTermination", {}),
        ("TokenUsageTermination", {"max_total_token": 100}),
        ("HandoffTermination", {"target": "user"}),
        ("TimeoutTermination", {"timeout_seconds": 30.0}),
        ("ExternalTermination", {}),
        ("SourceMatchTermination", {"sources": ["critic"]}),
        ("TextMessageTermination", {"source": "bob"}),
        ("FunctionCallTermination", {"function_name": "approve"}),
    ],
)
def test_every_autogen_condition_spec_loads(cls: str, config: dict[str, Any]) -> None:
    loaded = load_component(autogen_spec(cls, config), TerminationCondition)
    assert type(loaded).__name__ == cls
    assert (
        load_component({"provider": cls, "config": config}, TerminationCondition).dump_component()
        == loaded.dump_component()
    )


def test_yaml_spec_with_provider_names_loads() -> None:
    condition = load_component(
        "provider: or\nconfig:\n  conditions:\n"
        "    - {provider: text_mention, config: {text: DONE}}\n"
        "    - {provider: max_message, config: {max_messages: 5}}\n",
        TerminationCondition,
    )
    assert [type(c).__name__ for c in condition.conditions] == [  # type: ignore[attr-defined]
        "TextMentionTermination",
        "MaxMessageTermination",
    ]


def test_invalid_condition_spec_names_the_bad_field() -> None:
    with pytest.raises(ComponentLoadError, match="max_messages"):
        load_component({"provider": "max_message", "config": {"max_messages": "many"}})
    with pytest.raises(
        ComponentLoadError, match="max_messages: Input should be greater than or equal to 1"
    ):
        load_component({"provider": "max_message", "config": {"max_messages": 0}})
