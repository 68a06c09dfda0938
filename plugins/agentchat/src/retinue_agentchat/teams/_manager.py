"""The group chat manager: keeps the thread, asks speakers to talk, and decides when to stop.

It is a runtime agent like the participants' containers: it hears every reply on the
group topic, checks the termination condition on what the last turn added, picks the
next speaker(s) and publishes a request to their topic(s).

The manager also hands each participant, with its request to speak, the chat messages
it has not seen yet (the task and the others' replies since it last spoke): every
reply then travels once, to the manager, instead of to every participant as well.

It also hands the run's output to the team: the replies it hears on the group topic,
the participants' events it hears on the output topic and its own messages go to the
``output`` callable of its setup.  The team registers the manager in its own process,
so that call stays in-process on any runtime, and every reply reaches the output
without a second delivery.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from retinue import (
    CancellationToken,
    CancelledError,
    SerializationError,
    StateError,
    bounded_repr,
)
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    SelectSpeakerEvent,
    StopMessage,
    TerminationCondition,
    load_chat_message,
)
from retinue.runtime import MessageContext, RoutedAgent, TopicId, event, rpc

from ._protocol import (
    GroupChatAgentResponse,
    GroupChatError,
    GroupChatMessage,
    GroupChatRequestPublish,
    GroupChatReset,
    GroupChatStart,
    GroupChatTeamResponse,
    GroupChatTermination,
)

__all__ = ["UNDELIVERED_KEY", "BaseGroupChatManager", "GroupChatSetup", "load_saved_messages"]

#: the manager state's key for the messages each participant has not been handed yet
UNDELIVERED_KEY = "undelivered_messages"

logger = logging.getLogger(__name__)


def load_saved_messages(items: Any, what: str) -> list[BaseChatMessage]:
    """The chat messages of a saved list, or a :class:`StateError` saying what is wrong.

    Saved events are skipped: a thread and a buffer hold chat messages only.
    """
    if not isinstance(items, list):
        raise StateError(
            f"{what} must be a list of saved messages, got {type(items).__name__}; pass "
            "a state returned by save_state(), unchanged"
        )
    loaded = []
    for index, item in enumerate(items):
        try:
            loaded.append(load_chat_message(item))
        except StateError:
            raise
        except SerializationError as exc:
            # The team's load promises StateError (unchanged team) for any bad state.
            raise StateError(f"{what}[{index}] is not a saved message: {exc}") from exc
    return [message for message in loaded if isinstance(message, BaseChatMessage)]


@dataclass(frozen=True)
class GroupChatSetup:
    """What every manager needs to know about its team."""

    name: str
    team_id: str
    group_topic_type: str
    output_topic_type: str
    participant_topic_types: Mapping[str, str]
    participant_descriptions: Mapping[str, str]
    termination_condition: TerminationCondition | None
    max_turns: int | None
    emit_team_events: bool
    #: receives the run's output in order (messages, events, and the closing termination)
    output: Callable[[BaseAgentEvent | BaseChatMessage | GroupChatTermination], None]


class BaseGroupChatManager(RoutedAgent, ABC):
    """Runs the conversation of one team; subclasses decide who speaks next."""

    #: the stop reason when :meth:`select_speaker` names nobody
    no_speaker_reason = "No next speaker selected."

    def __init__(self, setup: GroupChatSetup) -> None:
        super().__init__(description=f"{setup.name}: manages the group chat")
        self._setup = setup
        self._name = setup.name
        self._participant_names = list(setup.participant_topic_types)
        self._sink = setup.output
        self._termination = setup.termination_condition
        self._max_turns = setup.max_turns
        self._thread: list[BaseChatMessage] = []
        # Per participant, the thread's messages it has not been handed yet.
        self._undelivered: dict[str, list[BaseChatMessage]] = {
            name: [] for name in self._participant_names
        }
        self._current_turn = 0
        self._run_id = 0
        # True from a start until the run stops or fails; still True at the next start
        # when the previous run was abandoned (its caller stopped reading).
        self._run_open = False
        self._waiting_for: set[str] = set()
        self._turn_delta: list[BaseAgentEvent | BaseChatMessage] = []
        self._speaker_topics = {
            name: TopicId(topic_type, setup.team_id)
            for name, topic_type in setup.participant_topic_types.items()
        }

    # --- what subclasses decide -------------------------------------------------

    @abstractmethod
    async def select_speaker(
        self, thread: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> str | list[str]:
        """Name the next speaker, or several to speak in parallel (an empty list ends the run)."""

    async def validate_group_state(self, messages: Sequence[BaseChatMessage] | None) -> None:
        """Refuse a task the team cannot start from; raise a ``RetinueError`` that says why."""
        return None

    async def reset_selection(self) -> None:
        """Forget the speaker-selection state (called by :meth:`reset`)."""
        return None

    def save_selection(self) -> dict[str, Any]:
        """Speaker-selection state to persist with the thread."""
        return {}

    def load_selection(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`save_selection`'s output; raise ``StateError`` before changing
        anything when it is malformed."""
        return None

    # --- handlers ---------------------------------------------------------------

    @rpc
    async def handle_start(self, message: GroupChatStart, ctx: MessageContext) -> None:
        self._run_id += 1
        self._waiting_for.clear()
        self._turn_delta = []
        token = ctx.cancellation_token
        try:
            if self._run_open:
                # The previous run was abandoned (its team reset the condition when the
                # reader left; a condition set since, e.g. an external stop, stays set).
                self._current_turn = 0
            if self._termination is not None and self._termination.terminated:
                await self._termination.reset()
            self._run_open = True
            await self.validate_group_state(message.messages)
            if message.messages:
                if message.output_task_messages:
                    for task_message in message.messages:
                        await self._output(task_message, token)
                self._add_to_thread(message.messages, None)
                if await self._check_termination(message.messages, token, count_turn=False):
                    return
            await self._request_next_speakers(token)
        except Exception as exc:
            await self._fail(GroupChatError.from_exception(self._name, exc, self._run_id), token)

    @event
    async def handle_output(self, message: GroupChatMessage, ctx: MessageContext) -> None:
        self._sink(message.message)

    @event
    async def handle_response(
        self, message: GroupChatAgentResponse | GroupChatTeamResponse, ctx: MessageContext
    ) -> None:
        if isinstance(message, GroupChatAgentResponse):
            # A nested team's messages reached the output while it ran; an agent's reply
            # reaches it here.
            self._sink(message.chat_message)
        if message.run_id != self._run_id or message.name not in self._waiting_for:
            logger.debug("%s ignored a stale reply from %s", self._name, message.name)
            return
        token = ctx.cancellation_token
        try:
            if isinstance(message, GroupChatAgentResponse):
                if message.inner_messages:
                    self._turn_delta.extend(message.inner_messages)
                self._turn_delta.append(message.chat_message)
                self._add_to_thread([message.chat_message], message.name)
            else:
                self._turn_delta.extend(message.messages)
                self._add_to_thread(
                    [m for m in message.messages if isinstance(m, BaseChatMessage)], message.name
                )
            self._waiting_for.discard(message.name)
            if self._waiting_for:
                return  # parallel speakers: the turn ends when all have answered
            delta, self._turn_delta = self._turn_delta, []
            if await self._check_termination(delta, token, count_turn=True):
                return
            await self._request_next_speakers(token)
        except Exception as exc:
            await self._fail(GroupChatError.from_exception(self._name, exc, self._run_id), token)

    @event
    async def handle_error(self, message: GroupChatError, ctx: MessageContext) -> None:
        if message.run_id != self._run_id:
            return
        self._waiting_for.clear()
        self._turn_delta = []
        await self._fail(message, ctx.cancellation_token)

    @rpc
    async def handle_reset(self, message: GroupChatReset, ctx: MessageContext) -> None:
        self._thread.clear()
        for undelivered in self._undelivered.values():
            undelivered.clear()
        self._current_turn = 0
        self._run_open = False
        self._waiting_for.clear()
        self._turn_delta = []
        if self._termination is not None:
            await self._termination.reset()
        await self.reset_selection()

    # --- the turn machinery -----------------------------------------------------

    async def _request_next_speakers(self, token: CancellationToken) -> None:
        if token.is_cancelled():
            # Participants that ignore the token must not be asked to speak again.
            cancelled = CancelledError(f"the run of {self._name} was cancelled")
            await self._fail(
                GroupChatError.from_exception(self._name, cancelled, self._run_id), token
            )
            return
        selected = await self.select_speaker(self._thread, token)
        speakers = [selected] if isinstance(selected, str) else list(selected)
        if not speakers:
            await self._stop(StopMessage(content=self.no_speaker_reason, source=self._name), token)
            return
        if self._setup.emit_team_events:
            await self._output(SelectSpeakerEvent(content=speakers, source=self._name), token)
        self._waiting_for = set(speakers)
        for speaker in speakers:
            topic = self._speaker_topics[speaker]
            unseen, self._undelivered[speaker] = self._undelivered[speaker], []
            await self.publish_message(
                GroupChatRequestPublish(self._run_id, unseen), topic, cancellation_token=token
            )

    def _add_to_thread(self, messages: Sequence[BaseChatMessage], speaker: str | None) -> None:
        """Extend the thread; every participant but ``speaker`` gets the messages next turn."""
        self._thread.extend(messages)
        for name, undelivered in self._undelivered.items():
            if name != speaker:
                undelivered.extend(messages)

    async def _check_termination(
        self,
        delta: Sequence[BaseAgentEvent | BaseChatMessage],
        token: CancellationToken,
        *,
        count_turn: bool,
    ) -> bool:
        if self._termination is not None:
            stop = await self._termination(delta)
            if stop is not None:
                await self._stop(stop, token)
                return True
        if count_turn:
            self._current_turn += 1
        if self._max_turns is not None and self._current_turn >= self._max_turns:
            text = f"Maximum number of turns {self._max_turns} reached."
            await self._stop(StopMessage(content=text, source=self._name), token)
            return True
        return False

    async def _stop(self, stop: StopMessage, token: CancellationToken) -> None:
        # The thread and the participants' state persist: the next run continues from here.
        await self._end_run()
        self._sink(GroupChatTermination(message=stop))

    async def _fail(self, error: GroupChatError, token: CancellationToken) -> None:
        # A failed run ends like a stopped one: the next run counts its turns afresh.
        await self._end_run()
        self._sink(GroupChatTermination(error=error))

    async def _end_run(self) -> None:
        if self._termination is not None:
            await self._termination.reset()
        self._current_turn = 0
        self._run_open = False

    async def _output(
        self, message: BaseAgentEvent | BaseChatMessage, token: CancellationToken
    ) -> None:
        self._sink(message)

    # --- state ------------------------------------------------------------------

    async def save_state(self) -> Mapping[str, Any]:
        return {
            "type": "GroupChatManagerState",
            "message_thread": [m.dump() for m in self._thread],
            "current_turn": self._current_turn,
            UNDELIVERED_KEY: {
                name: [m.dump() for m in messages] for name, messages in self._undelivered.items()
            },
            **self.save_selection(),
        }

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`save_state`'s output; everything is checked before anything changes."""
        if not isinstance(state, Mapping):
            raise StateError(
                f"the state of {self._name}'s manager must be a mapping, got {type(state).__name__}"
            )
        thread = load_saved_messages(state.get("message_thread", []), "'message_thread'")
        turn = state.get("current_turn", 0)
        if not isinstance(turn, int) or isinstance(turn, bool) or turn < 0:
            raise StateError(
                f"'current_turn' must be a whole number of turns, 0 or more, got "
                f"{bounded_repr(turn)}"
            )
        saved = state.get(UNDELIVERED_KEY, {})
        if not isinstance(saved, Mapping):
            raise StateError(
                f"{UNDELIVERED_KEY!r} must map participant names to message lists, got "
                f"{type(saved).__name__}"
            )
        undelivered = {
            name: load_saved_messages(saved.get(name, []), f"{UNDELIVERED_KEY}[{name!r}]")
            for name in self._undelivered
        }
        self.load_selection(state)  # checks its own part before changing it
        self._thread = thread
        self._current_turn = turn
        self._undelivered = undelivered
