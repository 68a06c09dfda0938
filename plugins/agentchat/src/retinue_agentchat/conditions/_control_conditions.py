"""Conditions driven from outside the conversation: time, a caller's signal, a function."""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field
from retinue import ComponentError, ConfigurationError
from retinue.chat import BaseAgentEvent, BaseChatMessage

from ._base import Delta, FiringCondition

__all__ = ["ExternalTermination", "FunctionalTermination", "TimeoutTermination"]


class TimeoutTerminationConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    timeout_seconds: float = Field(gt=0)


class TimeoutTermination(FiringCondition):
    """Stops at the first check after ``timeout_seconds`` since creation or the last reset.

    It is checked when messages arrive, so it cannot interrupt an agent that is busy;
    combine it with a cancellation token for a hard deadline.
    """

    component_provider = "timeout"
    component_config_schema = TimeoutTerminationConfig

    def __init__(self, timeout_seconds: float) -> None:
        if not isinstance(timeout_seconds, (int, float)) or timeout_seconds <= 0:
            raise ConfigurationError(
                f"TimeoutTermination needs timeout_seconds > 0, got {timeout_seconds!r}"
            )
        self._timeout_seconds = timeout_seconds
        self._started = time.monotonic()

    async def _check(self, messages: Delta) -> str | None:
        if time.monotonic() - self._started >= self._timeout_seconds:
            return f"Timeout of {self._timeout_seconds} seconds reached"
        return None

    def _clear(self) -> None:
        self._started = time.monotonic()

    def _to_config(self) -> TimeoutTerminationConfig:
        return TimeoutTerminationConfig(timeout_seconds=self._timeout_seconds)

    @classmethod
    def _from_config(cls, config: TimeoutTerminationConfig) -> TimeoutTermination:
        return cls(config.timeout_seconds)


class _NoConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    pass


class ExternalTermination(FiringCondition):
    """Stops at the next check after :meth:`set` is called, e.g. from a UI's stop button.

    >>> stop = ExternalTermination()
    >>> stop.set()  # the team stops after the current speaker finishes
    """

    component_provider = "external"
    component_config_schema = _NoConfig

    def __init__(self) -> None:
        self._requested = False

    def set(self) -> None:
        """Ask the team to stop at its next check."""
        self._requested = True

    async def _check(self, messages: Delta) -> str | None:
        return "External termination requested" if self._requested else None

    def _clear(self) -> None:
        self._requested = False

    def _to_config(self) -> _NoConfig:
        return _NoConfig()

    @classmethod
    def _from_config(cls, config: _NoConfig) -> ExternalTermination:
        return cls()


Predicate = Callable[[Sequence[BaseAgentEvent | BaseChatMessage]], bool | Awaitable[bool]]


class FunctionalTermination(FiringCondition):
    """Stops when ``func(messages)`` (sync or async) returns True.

    It holds Python code, so it cannot be written to a spec: dumping it raises a
    :class:`~retinue.ComponentError`; use a registered condition in specs.
    """

    component_provider = "functional"
    component_config_schema = _NoConfig

    def __init__(self, func: Predicate) -> None:
        if not callable(func):
            raise ConfigurationError(
                f"FunctionalTermination needs a callable taking the new messages, got {func!r}"
            )
        self._func = func

    async def _check(self, messages: Delta) -> str | None:
        verdict = self._func(messages)
        if inspect.isawaitable(verdict):
            verdict = await verdict
        return "Functional termination condition met" if verdict is True else None

    def _to_config(self) -> _NoConfig:
        raise ComponentError(
            "FunctionalTermination wraps a Python function and cannot be dumped to a spec; "
            "use a registered condition (e.g. text_mention, max_message) or combine "
            "registered conditions with | and &"
        )
