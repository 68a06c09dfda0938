"""AgentChat contracts under AutoGen's module path (``autogen_agentchat.base``).

The contracts are the kernel's (:mod:`retinue.chat`) and ``Handoff`` is this
plugin's; this module only hands them on, importing each on first use.
``TerminatedException`` is AutoGen's name for :class:`retinue.TerminatedError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import TerminatedError, lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            (
                "AndTerminationCondition",
                "ChatAgent",
                "OrTerminationCondition",
                "Response",
                "TaskResult",
                "TaskRunner",
                "Team",
                "TerminationCondition",
            ),
            "retinue.chat",
        ),
        "Handoff": "retinue_agentchat.agents",
    },
    extra=("TerminatedException",),
)

# retinue's errors are a leaf module already imported with ``retinue``, so no laziness to keep.
TerminatedException = TerminatedError

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from retinue.chat import (
        AndTerminationCondition as AndTerminationCondition,
        ChatAgent as ChatAgent,
        OrTerminationCondition as OrTerminationCondition,
        Response as Response,
        TaskResult as TaskResult,
        TaskRunner as TaskRunner,
        Team as Team,
        TerminationCondition as TerminationCondition,
    )

    from .agents import Handoff as Handoff
