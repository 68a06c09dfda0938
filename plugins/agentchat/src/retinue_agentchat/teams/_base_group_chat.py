"""``BaseGroupChat``: a team whose manager and participants are agents on an ``AgentRuntime``.

A team registers, on its runtime, one container agent per participant and its
manager, all keyed by the team's id and talking over topics (group, one per
participant, output).  ``run_stream`` sends the task to the manager and yields the
output the manager hands over (replies, the participants' events from the output
topic, its own messages) until the manager says stop.

Without a ``runtime`` argument the team embeds an in-process runtime, started for
each run and stopped when idle; with one, the caller starts and stops it.

On a runtime that spans processes (``retinue-grpc``) every process builds the same
team with the same ``team_id`` (so the agent and topic types match) and registers
only the participants it hosts (``hosted_participants``): a worker calls
:meth:`BaseGroupChat.register_participants`; the process that runs the team registers
the manager, which hands the run's output to the caller in that process.

A caller that stops reading the stream early (``break``, an exception in its loop, a
cancelled task, or a generator just dropped) ends the run: the run's token is
cancelled, and the embedded runtime is stopped with its handlers cancelled, so no
model call, tool or task keeps working for nobody.  The team is usable again at once.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict
from retinue import (
    CancellationToken,
    ComponentLoadError,
    ComponentModel,
    ConfigurationError,
    RetinueError,
    StateError,
    StateTarget,
    bounded_repr,
    load_all_or_nothing,
    load_component,
)
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ChatAgent,
    ModelClientStreamingChunkEvent,
    TaskResult,
    Team,
    TerminationCondition,
)
from retinue.runtime import AgentId, AgentRuntime, TypeSubscription

from .._task import Task, task_messages
from ._autogen_state import from_autogen_team_state
from ._container import ParticipantContainer
from ._manager import UNDELIVERED_KEY, BaseGroupChatManager, GroupChatSetup
from ._output import OutputChannel
from ._protocol import (
    GroupChatPause,
    GroupChatReset,
    GroupChatResume,
    GroupChatStart,
    GroupChatTermination,
)

__all__ = ["BaseGroupChat", "GroupChatConfig", "TeamRunError"]

_TEAM_STATE_VERSION = "1.0.0"

Participant = ChatAgent | Team
OutputItem = BaseAgentEvent | BaseChatMessage | GroupChatTermination


class GroupChatConfig(BaseModel):
    """The spec fields every group chat shares; teams add their own."""

    model_config = ConfigDict(defer_build=True)

    participants: list[ComponentModel]
    name: str | None = None
    description: str | None = None
    termination_condition: ComponentModel | None = None
    max_turns: int | None = None
    emit_team_events: bool = False


class TeamRunError(RetinueError, RuntimeError):
    """A team run failed: a participant raised, a speaker could not be chosen, or the
    team was asked to run twice at once.  The team stays usable afterwards."""


class _Run:
    """One call of ``run_stream``: whether it is ending, and when it has let go."""

    def __init__(self) -> None:
        self.stream: weakref.ref[AsyncGenerator[Any, None]] | None = None
        self.token = CancellationToken()
        self.released = asyncio.Event()

    def ending(self) -> bool:
        """Whether nobody reads this run any more, so a new run may wait for it to let go."""
        # The weak reference dies before Python finalizes a dropped generator (its
        # cleanup then runs in a task of its own); the token is cancelled as soon as the
        # run is cancelled or its stream starts closing.
        abandoned = self.stream is not None and self.stream() is None
        return abandoned or self.token.is_cancelled()


def participant_name(participant: Participant) -> str:
    """A participant's name (agents have one; teams used as participants must too)."""
    name: str = getattr(participant, "name", "")
    return name


class BaseGroupChat(Team, ABC):
    """A team of agents (or nested teams) run by a group chat manager on an ``AgentRuntime``.

    Calling :meth:`run` again continues the conversation (the task may be None);
    :meth:`reset` starts over.  One run at a time: a concurrent second run raises
    :class:`TeamRunError`.

    ``team_id`` names the team's agent and topic types (a fresh random id by default);
    ``hosted_participants`` names the participants whose agents this process hosts (all
    by default).  A team spread over processes gives every process the same ``team_id``.
    """

    #: the manager's name: the source of its stop messages and team events
    manager_name = "GroupChatManager"

    def __init__(
        self,
        participants: Sequence[Participant],
        *,
        name: str | None = None,
        description: str | None = None,
        termination_condition: TerminationCondition | None = None,
        max_turns: int | None = None,
        runtime: AgentRuntime | None = None,
        emit_team_events: bool = False,
        team_id: str | None = None,
        hosted_participants: Collection[str] | None = None,
    ) -> None:
        self._name = name or type(self).__name__
        self._description = description or f"A team of {len(participants)} participants."
        self._participants = list(participants)
        self._validate_participants()
        if max_turns is not None and (not isinstance(max_turns, int) or max_turns < 1):
            raise ConfigurationError(
                f"max_turns must be a positive integer or None, got {max_turns!r}"
            )
        if termination_condition is not None and not isinstance(
            termination_condition, TerminationCondition
        ):
            raise ConfigurationError(
                f"termination_condition must be a TerminationCondition, got "
                f"{type(termination_condition).__name__}"
            )
        self._termination_condition = termination_condition
        self._max_turns = max_turns
        self._emit_team_events = emit_team_events
        self._team_id = self._checked_team_id(team_id)
        self._hosted = self._checked_hosted(hosted_participants)
        self._embedded = runtime is None
        self._runtime: AgentRuntime | None = runtime
        self._registered = False
        self._participants_registered = False
        self._active_run: _Run | None = None
        self._output: OutputChannel[OutputItem] | None = None
        self._group_topic_type = f"group_topic_{self._team_id}"
        self._output_topic_type = f"output_topic_{self._team_id}"
        self._manager_type = f"{self.manager_name}_{self._team_id}"
        self._participant_types = {
            participant_name(p): f"{participant_name(p)}_{self._team_id}"
            for p in self._participants
        }

    # --- identity ---------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str:
        return self._description

    @property
    def participants(self) -> list[Participant]:
        return list(self._participants)

    @property
    def termination_condition(self) -> TerminationCondition | None:
        return self._termination_condition

    @property
    def max_turns(self) -> int | None:
        return self._max_turns

    def _validate_participants(self) -> None:
        if not self._participants:
            raise ConfigurationError(f"{type(self).__name__} needs at least one participant")
        names: list[str] = []
        for participant in self._participants:
            if not isinstance(participant, (ChatAgent, Team)):
                raise ConfigurationError(
                    f"{type(self).__name__} participants must be ChatAgents or Teams, got "
                    f"{type(participant).__name__}"
                )
            participant_name = getattr(participant, "name", None)
            if not isinstance(participant_name, str) or not participant_name.isidentifier():
                raise ConfigurationError(
                    f"participant {participant_name!r} of {type(self).__name__} needs a name "
                    "that is a Python identifier"
                )
            names.append(participant_name)
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigurationError(
                f"{type(self).__name__} participant names must be unique; repeated: "
                f"{', '.join(duplicates)}"
            )

    @staticmethod
    def _checked_team_id(team_id: str | None) -> str:
        if team_id is None:
            return uuid.uuid4().hex
        # It becomes part of agent and topic type names, which hold identifier characters.
        if (
            not isinstance(team_id, str)
            or not team_id
            or not f"x{team_id}".replace("-", "_").isidentifier()
        ):
            raise ConfigurationError(
                f"team_id must be a non-empty string of letters, digits, '_' or '-', "
                f"got {bounded_repr(team_id)}; every process of a distributed team uses the "
                "same one"
            )
        return team_id

    def _checked_hosted(self, hosted: Collection[str] | None) -> frozenset[str]:
        names = [participant_name(p) for p in self._participants]
        if hosted is None:
            return frozenset(names)
        if isinstance(hosted, str):
            raise ConfigurationError(
                f"hosted_participants must be a collection of participant names, got the "
                f"string {bounded_repr(hosted)}; wrap a single name in a list"
            )
        unknown = sorted(str(n) for n in hosted if n not in names)
        if unknown:
            raise ConfigurationError(
                f"hosted_participants names {bounded_repr(unknown)}, which are not "
                f"participants of {type(self).__name__}; its participants are "
                f"{', '.join(names)}"
            )
        return frozenset(hosted)

    # --- what subclasses provide ------------------------------------------------

    @abstractmethod
    def _create_manager(self, setup: GroupChatSetup) -> BaseGroupChatManager:
        """Build this team's manager."""

    # --- runtime wiring ---------------------------------------------------------

    def _setup(self) -> GroupChatSetup:
        return GroupChatSetup(
            name=self.manager_name,
            team_id=self._team_id,
            group_topic_type=self._group_topic_type,
            output_topic_type=self._output_topic_type,
            participant_topic_types=self._participant_types,
            participant_descriptions={
                participant_name(p): getattr(p, "description", "") for p in self._participants
            },
            termination_condition=self._termination_condition,
            max_turns=self._max_turns,
            emit_team_events=self._emit_team_events,
            output=self._deliver,
        )

    def _get_runtime(self) -> AgentRuntime:
        if self._runtime is None:
            from retinue.runtime import InProcessRuntime

            self._runtime = InProcessRuntime()
        return self._runtime

    async def register_participants(self) -> None:
        """Register the containers of the hosted participants on the team's runtime.

        For a worker of a distributed runtime that hosts some participants of a team run
        from another process: it registers those participants (``hosted_participants``,
        all by default) and not the manager.  Running the team registers them itself.
        """
        if self._participants_registered:
            return
        runtime = self._get_runtime()
        for participant in self._participants:
            name = participant_name(participant)
            if name not in self._hosted:
                continue  # another process hosts it
            agent_type = self._participant_types[name]

            def make_container(
                participant: Participant = participant, name: str = name
            ) -> ParticipantContainer:
                return ParticipantContainer(
                    participant,
                    name,
                    team_id=self._team_id,
                    group_topic_type=self._group_topic_type,
                    output_topic_type=self._output_topic_type,
                )

            await ParticipantContainer.register(runtime, agent_type, make_container)
            # Only its own topic: the manager hands it the others' messages with each request.
            await runtime.add_subscription(TypeSubscription(agent_type, agent_type))
        self._participants_registered = True

    async def _register(self) -> None:
        if self._registered:
            return
        await self.register_participants()
        runtime = self._get_runtime()
        setup = self._setup()
        # Through the class's register, which also registers serializers for the replies
        # it handles: on a runtime that spans processes they arrive encoded.
        await BaseGroupChatManager.register(
            runtime,
            self._manager_type,
            lambda: self._create_manager(setup),
            skip_direct_message_subscription=True,
        )
        await runtime.add_subscription(TypeSubscription(self._group_topic_type, self._manager_type))
        await runtime.add_subscription(
            TypeSubscription(self._output_topic_type, self._manager_type)
        )
        self._registered = True

    def _deliver(self, item: OutputItem) -> None:
        if self._output is not None:
            self._output.put(item)

    @asynccontextmanager
    async def _runtime_session(self) -> AsyncIterator[AgentRuntime]:
        """Register the team, and run the embedded runtime for the duration if there is one."""
        await self._register()
        runtime = self._get_runtime()
        if not self._embedded:
            if not getattr(runtime, "is_running", True):
                raise ConfigurationError(
                    f"team {self._name!r} runs on the runtime you passed in, which is not "
                    "running; call runtime.start() first (or create the team without runtime= "
                    "to let it manage its own)"
                )
            yield runtime
            return
        runtime.start()
        try:
            yield runtime
        except BaseException:
            # The caller left (an error, a cancelled task, a closed stream): nobody waits
            # for what still runs, so cancel it rather than let it finish.
            await self._stop_embedded(runtime)
            raise
        await runtime.stop_when_idle()

    @staticmethod
    async def _stop_embedded(runtime: AgentRuntime) -> None:
        from retinue.runtime import InProcessRuntime

        assert isinstance(runtime, InProcessRuntime)  # the embedded runtime is always one
        await runtime.stop(cancel_handlers=True)

    def _manager_id(self) -> AgentId:
        return AgentId(self._manager_type, self._team_id)

    def _participant_ids(self) -> list[AgentId]:
        return [AgentId(t, self._team_id) for t in self._participant_types.values()]

    # --- running ----------------------------------------------------------------

    def run_stream(
        self,
        *,
        task: Task = None,
        cancellation_token: CancellationToken | None = None,
        output_task_messages: bool = True,
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | TaskResult, None]:
        """Yield the run's messages and events, then its :class:`TaskResult`.

        Leaving early (``break``, an exception, a cancelled task, or dropping the
        generator) cancels the run and releases everything it started; the team keeps
        the conversation so far and can run again straight away.
        """
        run = _Run()
        stream = self._stream(run, task, cancellation_token, output_task_messages)
        run.stream = weakref.ref(stream)
        return stream

    async def _stream(
        self,
        run: _Run,
        task: Task,
        cancellation_token: CancellationToken | None,
        output_task_messages: bool,
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | TaskResult, None]:
        messages = task_messages(task, "team", self._name)
        await self._claim(run)
        # The run's own token: cancelled by the caller's, and when the caller stops
        # reading the stream early, so no participant keeps working for nobody.
        token = run.token
        # Detached when the run ends: the caller's token may serve many runs.
        detach = (
            None if cancellation_token is None else cancellation_token.add_callback(token.cancel)
        )
        finished = False
        try:
            output = self._output = OutputChannel(token, self._name)
            async with self._runtime_session() as runtime:
                try:
                    await runtime.send_message(
                        GroupChatStart(
                            messages=messages, output_task_messages=output_task_messages
                        ),
                        self._manager_id(),
                        cancellation_token=token,
                    )
                    collected: list[BaseAgentEvent | BaseChatMessage] = []
                    while True:
                        item = await output.get()
                        if isinstance(item, GroupChatTermination):
                            finished = True
                            break
                        yield item
                        if not isinstance(item, ModelClientStreamingChunkEvent):
                            collected.append(item)
                finally:
                    # Before the embedded runtime stops: stop whatever still runs.
                    if not finished:
                        token.cancel()
            if item.error is not None:
                raise TeamRunError(
                    f"team {self._name!r} stopped because {item.error.name!r} failed: "
                    f"{item.error.error_type}: {item.error.error_message}"
                )
            stop_reason = item.message.content if item.message is not None else None
            yield TaskResult(messages=collected, stop_reason=stop_reason)
        finally:
            self._output = None
            if detach is not None:
                detach()
            try:
                if not finished and self._termination_condition is not None:
                    # The manager never got to end this run; a condition half-way through
                    # counting must not carry its count into the next run.
                    await self._termination_condition.reset()
            finally:
                self._active_run = None
                run.released.set()

    async def _claim(self, run: _Run) -> None:
        """Make ``run`` the team's run, once an abandoned earlier one has let go."""
        await self._refuse_while_running("start another run")
        self._active_run = run

    async def _refuse_while_running(self, action: str) -> None:
        """Raise while a run is being read; wait for an ending one to let go."""
        if self._active_run is not None and not self._active_run.ending():
            # A stream dropped unread (this team's, or the stream of an agent or team
            # reading it) is closed by a task that Python schedules at once, and that
            # task's first step cancels the run's token.  Let it take that step before
            # deciding that someone still reads the run: created, then stepped.
            for _ in range(2):
                await asyncio.sleep(0)
        while self._active_run is not None:
            previous = self._active_run
            if not previous.ending():
                raise TeamRunError(
                    f"team {self._name!r} is already running a task, so it cannot {action}; "
                    "finish reading that run's stream (or cancel it, or close it with "
                    "aclose()) first"
                )
            await previous.released.wait()

    @property
    def _running(self) -> bool:
        return self._active_run is not None

    # --- control ----------------------------------------------------------------

    async def reset(self) -> None:
        """Clear the conversation, every participant, the condition and the turn count."""
        await self._refuse_while_running("reset")
        async with self._runtime_session() as runtime:
            await self._send_to_participants(runtime, GroupChatReset())
            await runtime.send_message(GroupChatReset(), self._manager_id())

    async def pause(self) -> None:
        """Tell every participant the team is paused (``on_pause``); a run keeps its place."""
        await self._broadcast_control(GroupChatPause())

    async def resume(self) -> None:
        """Tell every participant the team resumes (``on_resume``)."""
        await self._broadcast_control(GroupChatResume())

    async def _broadcast_control(self, message: GroupChatPause | GroupChatResume) -> None:
        if self._running:
            await self._send_to_participants(self._get_runtime(), message)
            return
        async with self._runtime_session() as runtime:
            await self._send_to_participants(runtime, message)

    async def _send_to_participants(self, runtime: AgentRuntime, message: Any) -> None:
        for agent_id in self._participant_ids():
            await runtime.send_message(message, agent_id)

    # --- state ------------------------------------------------------------------

    def _shape(self) -> dict[str, Any]:
        return {"team_type": type(self).__name__, "participants": list(self._participant_types)}

    async def save_state(self) -> Mapping[str, Any]:
        """The conversation, each participant's state and the manager's, as JSON-ready data."""
        await self._refuse_while_running("save its state")
        await self._register()
        runtime = self._get_runtime()
        manager_state = dict(await runtime.agent_save_state(self._manager_id()))
        # What a participant has not been handed yet is saved as its container's buffer
        # (where AutoGen keeps it), so the saved state has AutoGen's shape.
        undelivered = manager_state.pop(UNDELIVERED_KEY, {})
        agent_states: dict[str, Any] = {}
        for name, agent_id in zip(self._participant_types, self._participant_ids(), strict=True):
            agent_state = dict(await runtime.agent_save_state(agent_id))
            agent_state["message_buffer"] = [
                *agent_state.get("message_buffer", []),
                *undelivered.get(name, []),
            ]
            agent_states[name] = agent_state
        agent_states[self.manager_name] = manager_state
        return {
            "type": "TeamState",
            "version": _TEAM_STATE_VERSION,
            **self._shape(),
            "agent_states": agent_states,
        }

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`save_state`'s output into a team of the same shape.

        A state saved by AutoGen's ``team.save_state()`` loads too: its shape is read
        from its manager entry's name and its participant entries.  All or nothing:
        the state is checked whole first (shape, version, an entry for every
        participant and the manager), and when a participant or the manager
        refuses its part, every one of them gets its previous state back.

        Raises:
            StateError: the state is not one this team saved, is partial, corrupted or
                of an unknown version; the team is unchanged.
        """
        await self._refuse_while_running("load a state")
        agent_states = self._checked_team_state(from_autogen_team_state(state))
        await self._register()
        runtime = self._get_runtime()
        names = [*self._participant_types, self.manager_name]
        ids = [*self._participant_ids(), self._manager_id()]
        await load_all_or_nothing(
            [
                StateTarget(
                    f"{name!r} in team {self._name!r}",
                    partial(runtime.agent_save_state, agent_id),
                    partial(runtime.agent_load_state, agent_id),
                    agent_states[name],
                )
                for name, agent_id in zip(names, ids, strict=True)
            ]
        )

    def _checked_team_state(self, state: Any) -> Mapping[str, Mapping[str, Any]]:
        """The per-agent states of a team state, refused with ``StateError`` unless whole."""
        where = f"cannot load state into team {self._name!r}"
        if not isinstance(state, Mapping) or not isinstance(state.get("agent_states"), Mapping):
            raise StateError(
                f"{where}: expected the mapping that save_state() returned, with 'agent_states'"
            )
        if state.get("version", _TEAM_STATE_VERSION) != _TEAM_STATE_VERSION:
            raise StateError(
                f"{where}: state version {bounded_repr(state.get('version'))} is not supported "
                f"(this team reads {_TEAM_STATE_VERSION!r}); save it again with this version"
            )
        saved_shape = {
            "team_type": state.get("team_type"),
            "participants": state.get("participants"),
        }
        if saved_shape != self._shape():
            raise StateError(
                f"{where}: it was saved by a {bounded_repr(saved_shape['team_type'])} with "
                f"participants {bounded_repr(saved_shape['participants'])}, not a "
                f"{type(self).__name__} with participants {list(self._participant_types)}; "
                "load it into a team of the same type with the same participant names"
            )
        agent_states = state["agent_states"]
        for name in [*self._participant_types, self.manager_name]:
            if not isinstance(agent_states.get(name), Mapping):
                raise StateError(
                    f"{where}: 'agent_states' has no state for {name!r} (a partial state); "
                    "pass the whole state save_state() returned"
                )
        return agent_states

    # --- declarative specs --------------------------------------------------------

    def _group_chat_config(self) -> dict[str, Any]:
        """The shared spec fields, for subclasses' ``_to_config``."""
        return {
            "participants": [p.dump_component() for p in self._participants],
            "name": self._name,
            "description": self._description,
            "termination_condition": (
                self._termination_condition.dump_component()
                if self._termination_condition is not None
                else None
            ),
            "max_turns": self._max_turns,
            "emit_team_events": self._emit_team_events,
        }

    @staticmethod
    def _group_chat_arguments(config: GroupChatConfig) -> dict[str, Any]:
        """Constructor arguments from the shared spec fields, nested specs loaded."""
        participants: list[Participant] = []
        for index, spec in enumerate(config.participants):
            participant: object = load_component(spec)
            if not isinstance(participant, (ChatAgent, Team)):
                raise ComponentLoadError(
                    f"participants[{index}] ({spec.provider!r}) builds a "
                    f"{type(participant).__name__}, but a team participant must be an agent "
                    "or a team"
                )
            participants.append(participant)
        condition = (
            load_component(config.termination_condition, TerminationCondition)
            if config.termination_condition is not None
            else None
        )
        return {
            "participants": participants,
            "name": config.name,
            "description": config.description,
            "termination_condition": condition,
            "max_turns": config.max_turns,
            "emit_team_events": config.emit_team_events,
        }
