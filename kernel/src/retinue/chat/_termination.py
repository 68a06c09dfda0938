"""The termination-condition contract and its ``|`` and ``&`` combinations.

The contract builds its combinations and they derive from it, so both live here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from .._errors import TerminatedError
from ..components import Component, ComponentModel, load_nested
from ._messages import BaseAgentEvent, BaseChatMessage, StopMessage

__all__ = ["AndTerminationCondition", "OrTerminationCondition", "TerminationCondition"]


class TerminationCondition(Component[Any], ABC):
    """Decides when a run stops, looking at the messages since the last check.

    Combine with ``|`` (stop when either fires) and ``&`` (stop when both have fired).
    Once it has fired, call :meth:`reset` before using it again.
    """

    component_kind = "termination"

    @property
    @abstractmethod
    def terminated(self) -> bool: ...

    @abstractmethod
    async def __call__(
        self, messages: Sequence[BaseAgentEvent | BaseChatMessage]
    ) -> StopMessage | None:
        """Check new messages; return a :class:`StopMessage` when the run should stop.

        Raises:
            TerminatedError: when called again after firing without a reset.
        """

    @abstractmethod
    async def reset(self) -> None: ...

    def __or__(self, other: TerminationCondition) -> TerminationCondition:
        return OrTerminationCondition(self, other)

    def __and__(self, other: TerminationCondition) -> TerminationCondition:
        return AndTerminationCondition(self, other)


class _CombinedConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    conditions: list[ComponentModel]


class _Combined(TerminationCondition):
    component_config_schema = _CombinedConfig

    def __init__(self, *conditions: TerminationCondition) -> None:
        self._conditions = list(conditions)

    @property
    def conditions(self) -> list[TerminationCondition]:
        return list(self._conditions)

    async def reset(self) -> None:
        for condition in self._conditions:
            await condition.reset()

    def _to_config(self) -> _CombinedConfig:
        return _CombinedConfig(conditions=[c.dump_component() for c in self._conditions])

    @classmethod
    def _from_config(cls, config: _CombinedConfig) -> Any:
        return cls(
            *(
                load_nested(spec, TerminationCondition, f"conditions.{index}")
                for index, spec in enumerate(config.conditions)
            )
        )

    @staticmethod
    def _merge(stops: Sequence[StopMessage]) -> StopMessage:
        return StopMessage(
            content=", ".join(stop.content for stop in stops),
            source=", ".join(stop.source for stop in stops),
        )


class OrTerminationCondition(_Combined):
    """Fires when any of its conditions fires; the stop reason joins those that fired."""

    component_provider = "or"

    @property
    def terminated(self) -> bool:
        return any(condition.terminated for condition in self._conditions)

    async def __call__(
        self, messages: Sequence[BaseAgentEvent | BaseChatMessage]
    ) -> StopMessage | None:
        if self.terminated:
            raise TerminatedError("termination condition already fired; call reset() first")
        # Every condition sees the messages (so each keeps its counts), one after the
        # other: gathering them would cost a task per condition on every team message.
        results = [await condition(messages) for condition in self._conditions]
        stops = [stop for stop in results if stop is not None]
        return self._merge(stops) if stops else None


class AndTerminationCondition(_Combined):
    """Fires once every condition has fired (each may fire on a different check)."""

    component_provider = "and"

    def __init__(self, *conditions: TerminationCondition) -> None:
        super().__init__(*conditions)
        self._stops: list[StopMessage] = []

    @property
    def terminated(self) -> bool:
        return all(condition.terminated for condition in self._conditions)

    async def __call__(
        self, messages: Sequence[BaseAgentEvent | BaseChatMessage]
    ) -> StopMessage | None:
        if self.terminated:
            raise TerminatedError("termination condition already fired; call reset() first")
        pending = [condition for condition in self._conditions if not condition.terminated]
        results = [await condition(messages) for condition in pending]
        self._stops.extend(stop for stop in results if stop is not None)
        if self.terminated:
            return self._merge(self._stops)
        return None

    async def reset(self) -> None:
        await super().reset()
        self._stops = []
