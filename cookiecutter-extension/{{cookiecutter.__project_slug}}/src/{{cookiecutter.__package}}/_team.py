"""A round-robin team that, unless told otherwise, stops after one round.

``RoundRobinGroupChat`` from retinue-agentchat runs the conversation on an agent
runtime; this subclass only changes the default stopping rule.  Override
``_create_manager`` to choose speakers your own way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retinue.chat import TerminationCondition
from retinue_agentchat.teams import RoundRobinGroupChat

__all__ = ["{{ cookiecutter.__class_prefix }}RoundRobinTeam"]


class {{ cookiecutter.__class_prefix }}RoundRobinTeam(RoundRobinGroupChat):
    """Participants speak in turn; with no ``termination_condition`` and no ``max_turns``,
    each speaks exactly once."""

    component_provider = "{{ cookiecutter.plugin_name }}"

    def __init__(
        self,
        participants: Sequence[Any],
        *,
        termination_condition: TerminationCondition | None = None,
        max_turns: int | None = None,
        **options: Any,
    ) -> None:
        if termination_condition is None and max_turns is None:
            max_turns = len(participants)
        super().__init__(
            participants,
            termination_condition=termination_condition,
            max_turns=max_turns,
            **options,
        )

    @classmethod
    def _from_config(cls, config: Any) -> {{ cookiecutter.__class_prefix }}RoundRobinTeam:
        return cls(**cls._group_chat_arguments(config))
