"""What every termination condition shares: the fired flag and the refusal to run on."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

from retinue import TerminatedError
from retinue.chat import BaseAgentEvent, BaseChatMessage, StopMessage, TerminationCondition

Delta = Sequence[BaseAgentEvent | BaseChatMessage]


class FiringCondition(TerminationCondition):
    """A condition that fires once, then refuses further checks until :meth:`reset`.

    Subclasses implement :meth:`_check` (return the stop text, or None) and
    :meth:`_clear` (forget running counts).
    """

    _terminated: bool = False

    @property
    def terminated(self) -> bool:
        return self._terminated

    async def __call__(self, messages: Delta) -> StopMessage | None:
        if self._terminated:
            raise TerminatedError(
                f"{type(self).__name__} has already fired; call reset() before checking again"
            )
        reason = await self._check(messages)
        if reason is None:
            return None
        self._terminated = True
        return StopMessage(content=reason, source=type(self).__name__)

    async def reset(self) -> None:
        self._terminated = False
        self._clear()

    @abstractmethod
    async def _check(self, messages: Delta) -> str | None:
        """Return the stop reason when the condition is met by ``messages``."""

    def _clear(self) -> None:
        """Forget what earlier checks counted; stateless conditions keep nothing."""
        return None
