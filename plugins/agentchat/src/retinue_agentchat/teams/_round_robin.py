"""``RoundRobinGroupChat``: participants speak in turn, in the order given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from retinue import CancellationToken, StateError, bounded_repr
from retinue.chat import BaseChatMessage

from ._base_group_chat import BaseGroupChat, GroupChatConfig
from ._manager import BaseGroupChatManager, GroupChatSetup

__all__ = ["RoundRobinGroupChat"]


class RoundRobinGroupChatManager(BaseGroupChatManager):
    """Picks participants one after the other, wrapping around."""

    def __init__(self, setup: GroupChatSetup) -> None:
        super().__init__(setup)
        self._next_index = 0

    async def select_speaker(
        self, thread: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> str:
        speaker = self._participant_names[self._next_index]
        self._next_index = (self._next_index + 1) % len(self._participant_names)
        return speaker

    async def reset_selection(self) -> None:
        self._next_index = 0

    def save_selection(self) -> dict[str, Any]:
        return {"next_speaker_index": self._next_index}

    def load_selection(self, state: Mapping[str, Any]) -> None:
        index = state.get("next_speaker_index", 0)
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise StateError(
                f"'next_speaker_index' must be a participant index, 0 or more, got "
                f"{bounded_repr(index)}"
            )
        self._next_index = index % len(self._participant_names)


class RoundRobinGroupChat(BaseGroupChat):
    """A team whose participants take turns in order; a nested team may take a turn too.

    >>> team = RoundRobinGroupChat([writer, critic], termination_condition=stop)  # doctest: +SKIP
    >>> result = await team.run(task="Write a haiku about the sea.")  # doctest: +SKIP
    """

    component_provider = "round_robin"
    component_config_schema = GroupChatConfig
    manager_name = "RoundRobinGroupChatManager"

    def _create_manager(self, setup: GroupChatSetup) -> BaseGroupChatManager:
        return RoundRobinGroupChatManager(setup)

    def _to_config(self) -> GroupChatConfig:
        return GroupChatConfig(**self._group_chat_config())

    @classmethod
    def _from_config(cls, config: GroupChatConfig) -> RoundRobinGroupChat:
        return cls(**cls._group_chat_arguments(config))
