"""``Swarm``: the speaker keeps the floor until it hands off to another participant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from retinue import CancellationToken, ConfigurationError, StateError, bounded_repr
from retinue.chat import BaseChatMessage, ChatAgent, HandoffMessage

from ._base_group_chat import BaseGroupChat, GroupChatConfig, TeamRunError
from ._manager import BaseGroupChatManager, GroupChatSetup

__all__ = ["Swarm"]


class SwarmGroupChatManager(BaseGroupChatManager):
    """Follows the latest :class:`~retinue.chat.HandoffMessage`; otherwise the speaker goes on."""

    def __init__(self, setup: GroupChatSetup) -> None:
        super().__init__(setup)
        self._current_speaker = self._participant_names[0]
        self._seen = 0  # thread messages already looked at for handoffs

    async def validate_group_state(self, messages: Sequence[BaseChatMessage] | None) -> None:
        for message in messages or ():
            if (
                isinstance(message, HandoffMessage)
                and message.target not in self._participant_names
            ):
                raise ConfigurationError(
                    f"the task hands off to {message.target!r}, which is not a participant of "
                    f"the swarm; hand off to one of: {', '.join(self._participant_names)}"
                )

    async def select_speaker(
        self, thread: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> str:
        new, self._seen = thread[self._seen :], len(thread)
        for message in reversed(new):
            if isinstance(message, HandoffMessage):
                if message.target not in self._participant_names:
                    raise TeamRunError(
                        f"{message.source!r} handed off to {message.target!r}, which is not a "
                        f"participant of the swarm (participants: "
                        f"{', '.join(self._participant_names)}); give that agent handoffs to "
                        f"participants only, or stop on it with HandoffTermination("
                        f"{message.target!r}). {self._current_speaker!r} speaks next if you run "
                        "the team again"
                    )
                self._current_speaker = message.target
                break
        return self._current_speaker

    async def reset_selection(self) -> None:
        self._current_speaker = self._participant_names[0]
        self._seen = 0

    def save_selection(self) -> dict[str, Any]:
        return {"current_speaker": self._current_speaker, "processed_messages": self._seen}

    def load_selection(self, state: Mapping[str, Any]) -> None:
        speaker = state.get("current_speaker", self._participant_names[0])
        if speaker not in self._participant_names:
            raise StateError(
                f"'current_speaker' {bounded_repr(speaker)} is not a participant of the swarm"
            )
        thread = state.get("message_thread", [])
        seen = state.get("processed_messages", len(thread) if isinstance(thread, list) else 0)
        if not isinstance(seen, int) or isinstance(seen, bool) or seen < 0:
            raise StateError(
                f"'processed_messages' must be a count, 0 or more, got {bounded_repr(seen)}"
            )
        self._current_speaker = speaker
        self._seen = seen


class Swarm(BaseGroupChat):
    """A team where agents pass the conversation on with handoffs.

    The first participant speaks first and must be able to hand off (e.g. an
    ``AssistantAgent`` with ``handoffs=[...]``).  Stop when the conversation is handed
    to someone outside, e.g. with ``HandoffTermination("user")``.
    """

    component_provider = "swarm"
    component_config_schema = GroupChatConfig
    manager_name = "SwarmGroupChatManager"

    def _validate_participants(self) -> None:
        super()._validate_participants()
        for participant in self._participants:
            if not isinstance(participant, ChatAgent):
                raise ConfigurationError(
                    f"Swarm participants must be agents; {type(participant).__name__} "
                    f"{getattr(participant, 'name', '')!r} is a team. Nest teams in "
                    "RoundRobinGroupChat or SelectorGroupChat instead"
                )
        first = self._participants[0]
        assert isinstance(first, ChatAgent)
        if HandoffMessage not in first.produced_message_types:
            raise ConfigurationError(
                f"the first participant of a Swarm ({first.name!r}) speaks first and must be "
                "able to hand off; give it handoffs (e.g. AssistantAgent(..., handoffs=[...]))"
            )

    def _create_manager(self, setup: GroupChatSetup) -> BaseGroupChatManager:
        return SwarmGroupChatManager(setup)

    def _to_config(self) -> GroupChatConfig:
        return GroupChatConfig(**self._group_chat_config())

    @classmethod
    def _from_config(cls, config: GroupChatConfig) -> Swarm:
        return cls(**cls._group_chat_arguments(config))
