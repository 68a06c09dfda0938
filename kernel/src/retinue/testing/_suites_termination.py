"""Conformance suite for termination conditions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from .._errors import TerminatedError
from ..chat import BaseAgentEvent, BaseChatMessage, StopMessage, TerminationCondition
from ..components import load_component
from ._suites_common import ConformanceBase, missing_fixture

__all__ = ["TerminationConditionConformance"]

Delta = Sequence[BaseAgentEvent | BaseChatMessage]


class _Never(TerminationCondition):
    """Never fires (a partner for ``|`` and ``&``)."""

    @property
    def terminated(self) -> bool:
        return False

    async def __call__(self, messages: Delta) -> StopMessage | None:
        return None

    async def reset(self) -> None:
        return None


class _Always(TerminationCondition):
    """Fires on every check (a partner for ``&``)."""

    def __init__(self) -> None:
        self._fired = False

    @property
    def terminated(self) -> bool:
        return self._fired

    async def __call__(self, messages: Delta) -> StopMessage | None:
        if self._fired:
            raise TerminatedError("already fired")
        self._fired = True
        return StopMessage(content="always", source="Always")

    async def reset(self) -> None:
        self._fired = False


class TerminationConditionConformance(ConformanceBase):
    """Checks a :class:`~retinue.chat.TerminationCondition`.

    Override the fixtures ``condition`` (a fresh condition) and ``firing_messages`` (a
    delta that makes it fire in one check); override ``quiet_messages`` (default: no
    messages) if an empty delta would make it fire.
    """

    @pytest.fixture
    def condition(self) -> TerminationCondition:
        return missing_fixture(  # type: ignore[no-any-return]
            "TerminationConditionConformance", "condition", "a fresh termination condition"
        )

    @pytest.fixture
    def firing_messages(self) -> list[BaseAgentEvent | BaseChatMessage]:
        return missing_fixture(  # type: ignore[no-any-return]
            "TerminationConditionConformance",
            "firing_messages",
            "messages that make the condition fire in one check",
        )

    @pytest.fixture
    def quiet_messages(self) -> list[BaseAgentEvent | BaseChatMessage]:
        return []

    async def test_stays_quiet_then_fires(
        self, condition: TerminationCondition, quiet_messages: Delta, firing_messages: Delta
    ) -> None:
        assert not condition.terminated, "a fresh condition must not be terminated"
        assert await condition(quiet_messages) is None, "quiet_messages must not fire it"
        stop = await condition(firing_messages)
        assert isinstance(stop, StopMessage), (
            f"firing_messages must make it return a StopMessage, got {stop!r}"
        )
        assert stop.content, "the StopMessage must say why the run stopped"
        assert condition.terminated, "after firing, terminated must be True"

    async def test_raises_when_called_after_firing(
        self, condition: TerminationCondition, firing_messages: Delta
    ) -> None:
        await condition(firing_messages)
        with pytest.raises(TerminatedError):
            await condition(firing_messages)

    async def test_reset_makes_it_usable_again(
        self, condition: TerminationCondition, quiet_messages: Delta, firing_messages: Delta
    ) -> None:
        await condition(firing_messages)
        await condition.reset()
        assert not condition.terminated, "reset() must clear terminated"
        if quiet_messages:
            assert await condition(quiet_messages) is None, (
                "after reset() quiet_messages must not fire it: reset() must forget what "
                "the condition had counted"
            )
        assert isinstance(await condition(firing_messages), StopMessage), (
            "after reset() the condition must fire again on the same messages"
        )

    async def test_or_fires_with_it(
        self, condition: TerminationCondition, firing_messages: Delta
    ) -> None:
        combined = condition | _Never()
        stop = await combined(firing_messages)
        assert isinstance(stop, StopMessage), "(condition | never) must fire when condition does"
        assert combined.terminated

    async def test_and_waits_for_both(
        self, condition: TerminationCondition, firing_messages: Delta
    ) -> None:
        combined = condition & _Always()
        stop = await combined(firing_messages)
        assert isinstance(stop, StopMessage), "(condition & always) must fire when condition does"
        assert "always" in stop.content, "the stop reason must join both conditions' reasons"

    def test_dump_and_load_round_trip(
        self, condition: TerminationCondition, component_registry: Any
    ) -> None:
        spec = condition.dump_component()
        assert spec.kind == "termination", f"kind must be 'termination', got {spec.kind!r}"
        loaded = load_component(spec, TerminationCondition, registry=component_registry)
        assert type(loaded) is type(condition)
        assert loaded.dump_component() == spec, "dump(load(dump(x))) must equal dump(x)"
