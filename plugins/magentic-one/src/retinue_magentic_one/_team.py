"""``MagenticOneGroupChat``: an orchestrator plans in a task ledger and, round by round,
fills in a progress ledger that names the next speaker and what it should do.

The team runs on retinue-agentchat's group chat machinery (the same runtime wiring,
termination conditions, ``run``/``run_stream``, state and team events as the other
teams); only the manager differs.  The orchestrator's loop:

1. **Plan** (a new task): ask the model for the facts, then for a plan.
2. **Outer loop**: reset every participant, clear the thread, and tell the team the
   task ledger (task, team, facts, plan).
3. **Inner loop**, each round: ask for a progress ledger (retried with feedback when
   it is malformed or names no member), then
   - the request is satisfied -> the final answer, and the run stops;
   - no progress, or a loop -> one more stall (else one fewer); at ``max_stalls``,
     re-plan (update the facts and the plan) and go back to the outer loop;
   - otherwise say the instruction to the team and let ``next_speaker`` speak.
4. After ``max_turns`` rounds -> the final answer, stop reason ``Max rounds reached.``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from retinue import (
    CancellationToken,
    ComponentModel,
    ConfigurationError,
    StateError,
    bounded_repr,
    bounded_text,
    load_component,
)
from retinue.chat import BaseChatMessage, ChatAgent, MultiModalMessage, TextMessage
from retinue.models import (
    AssistantMessage,
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    UserMessage,
)
from retinue.runtime import AgentId, AgentRuntime

# The group chat machinery is retinue-agentchat's; its manager base and protocol are
# what every team's manager is built on.
from retinue_agentchat.teams import (
    BaseGroupChat,
    BaseGroupChatManager,
    GroupChatConfig,
    GroupChatReset,
    GroupChatSetup,
)

from . import _prompts
from ._ledger import LedgerError, LedgerFormatError, ProgressLedger, parse_progress_ledger

__all__ = ["MagenticOneGroupChat", "MagenticOneOrchestrator"]

logger = logging.getLogger(__name__)

MAX_ROUNDS_REASON = "Max rounds reached."


class MagenticOneOrchestrator(BaseGroupChatManager):
    """The Magentic-One manager: task ledger, progress ledgers, stalls and re-planning."""

    def __init__(
        self,
        setup: GroupChatSetup,
        *,
        model_client: ChatCompletionClient,
        max_rounds: int | None,
        max_stalls: int,
        final_answer_prompt: str,
        max_json_retries: int,
    ) -> None:
        super().__init__(setup)
        self._model_client = model_client
        self._max_rounds = max_rounds
        self._max_stalls = max_stalls
        self._final_answer_prompt = final_answer_prompt
        self._max_json_retries = max_json_retries
        self._team_text = "\n".join(
            f"{name}: {setup.participant_descriptions.get(name, '')}"
            for name in self._participant_names
        )
        self._task = ""
        self._facts = ""
        self._plan = ""
        self._n_rounds = 0
        self._n_stalls = 0
        # The task of a start that brought new messages: planned at the next selection.
        self._new_task: str | None = None

    # --- the run's beginning ------------------------------------------------------

    async def validate_group_state(self, messages: Sequence[BaseChatMessage] | None) -> None:
        # Called once at every start: a start with messages is a new task to plan; one
        # without continues the current task.  Rounds count per run, like turns.
        self._n_rounds = 0
        if messages:
            self._new_task = " ".join(m.to_model_text() for m in messages)
        elif not self._task:
            raise ConfigurationError(
                f"{self._name} has no task to work on; pass task=... to run() or run_stream()"
            )
        else:
            self._new_task = None

    # --- choosing the next speaker --------------------------------------------------

    async def select_speaker(
        self, thread: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> str | list[str]:
        if self._new_task is not None:
            task, self._new_task = self._new_task, None
            await self._make_plan(task, cancellation_token)
            await self._enter_outer_loop(cancellation_token)
        while True:
            if self._max_rounds is not None and self._n_rounds >= self._max_rounds:
                return await self._final_answer(MAX_ROUNDS_REASON, cancellation_token)
            self._n_rounds += 1
            ledger = await self._progress_ledger(cancellation_token)
            if ledger.is_request_satisfied.answer:
                return await self._final_answer(
                    ledger.is_request_satisfied.reason, cancellation_token
                )
            if not ledger.is_progress_being_made.answer or ledger.is_in_loop.answer:
                self._n_stalls += 1
            else:
                self._n_stalls = max(0, self._n_stalls - 1)
            if self._n_stalls >= self._max_stalls:
                logger.info("%s: %d stalls, re-planning", self._name, self._n_stalls)
                await self._update_plan(cancellation_token)
                await self._enter_outer_loop(cancellation_token)
                continue
            await self._say(ledger.instruction_or_question.answer, cancellation_token)
            return ledger.next_speaker.answer

    # --- the outer loop -----------------------------------------------------------

    async def _make_plan(self, task: str, token: CancellationToken) -> None:
        self._task = task
        self._n_stalls = 0
        conversation: list[LLMMessage] = [
            UserMessage(content=_prompts.FACTS_PROMPT.format(task=task), source=self._name)
        ]
        self._facts = await self._ask(conversation, token)
        conversation += [
            AssistantMessage(content=self._facts, source=self._name),
            UserMessage(
                content=_prompts.PLAN_PROMPT.format(team=self._team_text), source=self._name
            ),
        ]
        self._plan = await self._ask(conversation, token)

    async def _update_plan(self, token: CancellationToken) -> None:
        # The stall counter is not reset: a new plan that stalls again re-plans sooner.
        conversation = self._thread_context()
        conversation.append(
            UserMessage(
                content=_prompts.FACTS_UPDATE_PROMPT.format(task=self._task, facts=self._facts),
                source=self._name,
            )
        )
        self._facts = await self._ask(conversation, token)
        conversation += [
            AssistantMessage(content=self._facts, source=self._name),
            UserMessage(
                content=_prompts.PLAN_UPDATE_PROMPT.format(team=self._team_text),
                source=self._name,
            ),
        ]
        self._plan = await self._ask(conversation, token)

    async def _enter_outer_loop(self, token: CancellationToken) -> None:
        for topic_type in self._setup.participant_topic_types.values():
            await self.send_message(
                GroupChatReset(),
                AgentId(topic_type, self._setup.team_id),
                cancellation_token=token,
            )
        self._thread.clear()
        for undelivered in self._undelivered.values():
            undelivered.clear()
        await self._say(
            _prompts.TASK_LEDGER_PROMPT.format(
                task=self._task, team=self._team_text, facts=self._facts, plan=self._plan
            ),
            token,
        )

    # --- the inner loop -----------------------------------------------------------

    async def _progress_ledger(self, token: CancellationToken) -> ProgressLedger:
        names = self._participant_names
        prompt = _prompts.PROGRESS_LEDGER_PROMPT.format(
            task=self._task, team=self._team_text, names=", ".join(names), first_name=names[0]
        )
        conversation = self._thread_context()
        conversation.append(UserMessage(content=prompt, source=self._name))
        info = self._model_client.model_info
        json_output: bool | type[BaseModel] | None = (
            ProgressLedger
            if info.get("structured_output")
            else (True if info.get("json_output") else None)
        )
        problem = ""
        reply = ""
        for attempt in range(1, self._max_json_retries + 1):
            result = await self._model_client.create(
                conversation, json_output=json_output, cancellation_token=token
            )
            reply = _text_of(result)
            try:
                ledger = parse_progress_ledger(reply, names)
            except LedgerFormatError as exc:
                problem = str(exc)
                logger.info(
                    "%s: progress ledger attempt %d unusable: %s", self._name, attempt, problem
                )
                # The model is told what was wrong, so the next try can fix it.
                conversation += [
                    AssistantMessage(content=reply, source=self._name),
                    UserMessage(
                        content=_prompts.LEDGER_FEEDBACK.format(
                            problem=problem, names=", ".join(names)
                        ),
                        source=self._name,
                    ),
                ]
                continue
            logger.debug("%s: progress ledger %s", self._name, ledger.model_dump_json())
            return ledger
        raise LedgerError(
            f"{self._name}'s model gave no usable progress ledger in {self._max_json_retries} "
            f"attempts; the last reply {bounded_text(repr(reply))} was refused because "
            f"{problem}. Use a model that follows JSON instructions (json_output or "
            "structured_output in its model_info), or raise max_json_retries"
        )

    async def _final_answer(self, reason: str, token: CancellationToken) -> list[str]:
        conversation = self._thread_context()
        conversation.append(
            UserMessage(
                content=self._final_answer_prompt.replace("{task}", self._task),
                source=self._name,
            )
        )
        await self._say(await self._ask(conversation, token), token)
        # Naming nobody ends the run; this is its stop reason.
        self.no_speaker_reason = reason
        return []

    # --- helpers --------------------------------------------------------------------

    async def _ask(self, conversation: list[LLMMessage], token: CancellationToken) -> str:
        return _text_of(await self._model_client.create(conversation, cancellation_token=token))

    async def _say(self, text: str, token: CancellationToken) -> None:
        """Tell the whole team ``text``: into the thread, every participant's next
        delivery, and the run's output."""
        message = TextMessage(content=text, source=self._name)
        self._add_to_thread([message], None)
        await self._output(message, token)

    def _thread_context(self) -> list[LLMMessage]:
        vision = bool(self._model_client.model_info.get("vision"))
        context: list[LLMMessage] = []
        for message in self._thread:
            if message.source == self._name:
                context.append(AssistantMessage(content=message.to_model_text(), source=self._name))
            elif isinstance(message, MultiModalMessage) and vision:
                context.append(message.to_model_message())
            else:
                context.append(UserMessage(content=message.to_model_text(), source=message.source))
        return context

    # --- state ----------------------------------------------------------------------

    async def reset_selection(self) -> None:
        self._task = self._facts = self._plan = ""
        self._n_rounds = self._n_stalls = 0
        self._new_task = None

    def save_selection(self) -> dict[str, Any]:
        return {
            "task": self._task,
            "facts": self._facts,
            "plan": self._plan,
            "n_rounds": self._n_rounds,
            "n_stalls": self._n_stalls,
        }

    def load_selection(self, state: Mapping[str, Any]) -> None:
        texts = {key: state.get(key, "") for key in ("task", "facts", "plan")}
        counts = {key: state.get(key, 0) for key in ("n_rounds", "n_stalls")}
        for key, value in texts.items():
            if not isinstance(value, str):
                raise StateError(f"{key!r} must be a string, got {bounded_repr(value)}")
        for key, value in counts.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise StateError(
                    f"{key!r} must be a whole number, 0 or more, got {bounded_repr(value)}"
                )
        self._task, self._facts, self._plan = texts["task"], texts["facts"], texts["plan"]
        self._n_rounds, self._n_stalls = counts["n_rounds"], counts["n_stalls"]


def _text_of(result: CreateResult) -> str:
    if isinstance(result.content, str):
        return result.content
    # A model that answers with tool calls instead of text: show the model what it sent.
    return str(result.content)


class MagenticOneGroupChatConfig(GroupChatConfig):
    """The spec of a :class:`MagenticOneGroupChat` (AutoGen's fields, plus retries)."""

    model_client: ComponentModel
    max_turns: int | None = 20
    max_stalls: int = 3
    final_answer_prompt: str = _prompts.FINAL_ANSWER_PROMPT
    max_json_retries: int = 10


class MagenticOneGroupChat(BaseGroupChat):
    """The Magentic-One team: an orchestrator directs the participants through ledgers.

    ``max_turns`` bounds the orchestrator's rounds in one run (then it gives its final
    answer anyway); ``max_stalls`` is how many stalled rounds trigger re-planning;
    ``final_answer_prompt`` asks for the final answer (``{task}`` in it is replaced by
    the task); ``max_json_retries`` is how often a malformed progress ledger is asked
    for again before the run fails with :class:`LedgerError`.

    Calling :meth:`run` with a new task plans afresh, keeping what the participants
    know; calling it without one continues the current task.

    >>> team = MagenticOneGroupChat([surfer, coder], model_client=client)  # doctest: +SKIP
    >>> result = await team.run(task="What is the tallest building in Oslo?")  # doctest: +SKIP
    """

    component_provider = "magentic_one"
    component_config_schema = MagenticOneGroupChatConfig
    manager_name = "MagenticOneOrchestrator"

    def __init__(
        self,
        participants: Sequence[ChatAgent],
        model_client: ChatCompletionClient,
        *,
        name: str | None = None,
        description: str | None = None,
        termination_condition: Any = None,
        max_turns: int | None = 20,
        runtime: AgentRuntime | None = None,
        max_stalls: int = 3,
        final_answer_prompt: str = _prompts.FINAL_ANSWER_PROMPT,
        max_json_retries: int = 10,
        emit_team_events: bool = False,
    ) -> None:
        for participant in participants:
            if not isinstance(participant, ChatAgent):
                raise ConfigurationError(
                    f"MagenticOneGroupChat participants must be agents (ChatAgent), got "
                    f"{type(participant).__name__}; a nested team cannot take part"
                )
        # The orchestrator counts its own rounds (a re-plan is not a turn), so the base
        # team's turn limit stays off.
        super().__init__(
            participants,
            name=name,
            description=description,
            termination_condition=termination_condition,
            max_turns=None,
            runtime=runtime,
            emit_team_events=emit_team_events,
        )
        if max_turns is not None and (
            isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1
        ):
            raise ConfigurationError(
                f"max_turns must be a positive integer or None, got {bounded_repr(max_turns)}"
            )
        for label, value in (("max_stalls", max_stalls), ("max_json_retries", max_json_retries)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(
                    f"{label} must be a positive integer, got {bounded_repr(value)}"
                )
        if not isinstance(model_client, ChatCompletionClient):
            raise ConfigurationError(
                f"MagenticOneGroupChat needs a ChatCompletionClient for its orchestrator, got "
                f"{type(model_client).__name__}"
            )
        if not isinstance(final_answer_prompt, str) or not final_answer_prompt.strip():
            raise ConfigurationError("final_answer_prompt must be a non-empty string")
        self._model_client = model_client
        self._max_rounds = max_turns
        self._max_stalls = max_stalls
        self._final_answer_prompt = final_answer_prompt
        self._max_json_retries = max_json_retries

    @property
    def max_turns(self) -> int | None:
        """The most orchestrator rounds in one run."""
        return self._max_rounds

    @property
    def model_client(self) -> ChatCompletionClient:
        """The orchestrator's model client."""
        return self._model_client

    def _create_manager(self, setup: GroupChatSetup) -> BaseGroupChatManager:
        return MagenticOneOrchestrator(
            setup,
            model_client=self._model_client,
            max_rounds=self._max_rounds,
            max_stalls=self._max_stalls,
            final_answer_prompt=self._final_answer_prompt,
            max_json_retries=self._max_json_retries,
        )

    def _to_config(self) -> MagenticOneGroupChatConfig:
        return MagenticOneGroupChatConfig(
            **{**self._group_chat_config(), "max_turns": self._max_rounds},
            model_client=self._model_client.dump_component(),
            max_stalls=self._max_stalls,
            final_answer_prompt=self._final_answer_prompt,
            max_json_retries=self._max_json_retries,
        )

    @classmethod
    def _from_config(cls, config: BaseModel) -> MagenticOneGroupChat:
        assert isinstance(config, MagenticOneGroupChatConfig)
        arguments = cls._group_chat_arguments(config)
        return cls(
            model_client=load_component(config.model_client, ChatCompletionClient),
            max_stalls=config.max_stalls,
            final_answer_prompt=config.final_answer_prompt,
            max_json_retries=config.max_json_retries,
            **arguments,
        )
