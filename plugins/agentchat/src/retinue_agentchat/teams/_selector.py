"""``SelectorGroupChat``: a function or a model picks who speaks next."""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from retinue import (
    CancellationToken,
    ComponentError,
    ComponentModel,
    ConfigurationError,
    StateError,
    bounded_repr,
    load_component,
)
from retinue.chat import BaseAgentEvent, BaseChatMessage, SelectorEvent
from retinue.models import (
    AssistantMessage,
    ChatCompletionClient,
    LLMMessage,
    ModelFamily,
    SystemMessage,
    UserMessage,
)
from retinue.runtime import AgentRuntime

from ._base_group_chat import BaseGroupChat, GroupChatConfig, Participant
from ._manager import BaseGroupChatManager, GroupChatSetup

__all__ = ["SelectorGroupChat"]

logger = logging.getLogger(__name__)

Thread = Sequence[BaseAgentEvent | BaseChatMessage]
SelectorFunc = Callable[[Thread], "str | Awaitable[str | None] | None"]
CandidateFunc = Callable[[Thread], "list[str] | Awaitable[list[str]]"]

DEFAULT_SELECTOR_PROMPT = """You are choosing who speaks next in a team conversation.

Team members and what they do:
{roles}

Conversation so far:
{history}

Choose the next speaker from {participants}, the member best placed to move the task
forward. Reply with that member's name only.
"""


def mentioned_names(text: str, names: Sequence[str]) -> dict[str, int]:
    """How often each name is mentioned in ``text`` (also as ``a b`` or ``a\\_b`` for ``a_b``)."""
    padded = f" {text} "
    found: dict[str, int] = {}
    for name in names:
        variants = {name, name.replace("_", " "), name.replace("_", r"\_")}
        pattern = r"(?<=\W)(" + "|".join(re.escape(v) for v in variants) + r")(?=\W)"
        count = len(re.findall(pattern, padded))
        if count:
            found[name] = count
    return found


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class SelectorGroupChatManager(BaseGroupChatManager):
    """Chooses with ``selector_func`` first, then among candidates with the model."""

    def __init__(
        self,
        setup: GroupChatSetup,
        *,
        model_client: ChatCompletionClient,
        selector_prompt: str,
        allow_repeated_speaker: bool,
        max_selector_attempts: int,
        selector_func: SelectorFunc | None,
        candidate_func: CandidateFunc | None,
    ) -> None:
        super().__init__(setup)
        self._model_client = model_client
        self._selector_prompt = selector_prompt
        self._allow_repeated = allow_repeated_speaker
        self._max_attempts = max_selector_attempts
        self._selector_func = selector_func
        self._candidate_func = candidate_func
        self._previous_speaker: str | None = None

    async def select_speaker(
        self, thread: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> str:
        if self._selector_func is not None:
            chosen = await _maybe_await(self._selector_func(thread))
            if chosen is not None:
                speaker = self._require_participant(chosen, "selector_func")
                self._previous_speaker = speaker
                return speaker
        candidates = await self._candidates(thread)
        speaker = (
            candidates[0]
            if len(candidates) == 1
            else await self._ask_model(thread, candidates, cancellation_token)
        )
        self._previous_speaker = speaker
        return speaker

    def _require_participant(self, name: object, origin: str) -> str:
        if not isinstance(name, str) or name not in self._participant_names:
            raise ConfigurationError(
                f"{origin} returned {name!r}, which is not a participant of the team; "
                f"return one of: {', '.join(self._participant_names)}"
            )
        return name

    async def _candidates(self, thread: Sequence[BaseChatMessage]) -> list[str]:
        if self._candidate_func is not None:
            candidates = list(await _maybe_await(self._candidate_func(thread)))
            if not candidates:
                raise ConfigurationError(
                    "candidate_func returned no candidates; return at least one participant name"
                )
            return [self._require_participant(c, "candidate_func") for c in candidates]
        names = list(self._participant_names)
        if not self._allow_repeated and self._previous_speaker in names and len(names) > 1:
            names.remove(self._previous_speaker)
        return names

    async def _ask_model(
        self, thread: Sequence[BaseChatMessage], candidates: list[str], token: CancellationToken
    ) -> str:
        descriptions = self._setup.participant_descriptions
        prompt = self._selector_prompt.format(
            roles="\n".join(f"{name}: {descriptions.get(name, '')}" for name in candidates),
            participants=str(candidates),
            history="\n".join(f"{m.source}: {m.to_model_text()}" for m in thread),
        )
        family = self._model_client.model_info.get("family", "")
        # OpenAI models follow a system prompt well; others expect the request from the user.
        first: LLMMessage = (
            SystemMessage(content=prompt)
            if ModelFamily.is_openai(family)
            else UserMessage(content=prompt, source="user")
        )
        messages: list[LLMMessage] = [first]
        for _ in range(self._max_attempts):
            result = await self._model_client.create(messages, cancellation_token=token)
            reply = result.content if isinstance(result.content, str) else str(result.content)
            if self._setup.emit_team_events:
                await self._output(SelectorEvent(content=reply, source=self._name), token)
            mentions = mentioned_names(reply, candidates)
            if len(mentions) == 1:
                (name,) = mentions
                if self._allow_repeated or name != self._previous_speaker:
                    return name
                feedback = (
                    f"{name} spoke last and may not speak twice in a row. Choose one of: "
                    f"{', '.join(c for c in candidates if c != name)}."
                )
            elif not mentions:
                feedback = (
                    f"Your reply named no team member. Reply with one of: {', '.join(candidates)}."
                )
            else:
                feedback = (
                    f"Your reply named several members ({', '.join(mentions)}). Reply with exactly "
                    f"one of: {', '.join(candidates)}."
                )
            logger.debug("%s: selector reply %r rejected: %s", self._name, reply, feedback)
            messages += [
                AssistantMessage(content=reply, source="selector"),
                UserMessage(content=feedback, source="user"),
            ]
        fallback = self._previous_speaker if self._previous_speaker in candidates else candidates[0]
        assert fallback is not None
        logger.warning(
            "%s: the model named no valid speaker in %d attempts; %s speaks next",
            self._name,
            self._max_attempts,
            fallback,
        )
        return fallback

    async def reset_selection(self) -> None:
        self._previous_speaker = None

    def save_selection(self) -> dict[str, Any]:
        return {"previous_speaker": self._previous_speaker}

    def load_selection(self, state: Mapping[str, Any]) -> None:
        previous = state.get("previous_speaker")
        if previous is not None and previous not in self._participant_names:
            raise StateError(
                f"'previous_speaker' {bounded_repr(previous)} is not a participant of this team"
            )
        self._previous_speaker = previous


class SelectorGroupChatConfig(GroupChatConfig):
    model_client: ComponentModel
    selector_prompt: str = DEFAULT_SELECTOR_PROMPT
    allow_repeated_speaker: bool = False
    max_selector_attempts: int = 3


class SelectorGroupChat(BaseGroupChat):
    """A team where the next speaker is chosen each turn.

    The order: ``selector_func(thread)`` if given and not None; otherwise the
    candidates (``candidate_func(thread)``, or everyone but the last speaker unless
    ``allow_repeated_speaker``); one candidate speaks at once, several are put to the
    model with ``selector_prompt`` (placeholders ``{roles}``, ``{participants}``,
    ``{history}``).  A reply that names no candidate, several, or a forbidden repeat
    goes back to the model with feedback, up to ``max_selector_attempts`` times.
    """

    component_provider = "selector"
    component_config_schema = SelectorGroupChatConfig
    component_ignored_keys = {
        "model_client_streaming": "AutoGen streams the selector's reply; the choice is "
        "the same without streaming"
    }
    manager_name = "SelectorGroupChatManager"

    def __init__(
        self,
        participants: Sequence[Participant],
        model_client: ChatCompletionClient,
        *,
        name: str | None = None,
        description: str | None = None,
        termination_condition: Any = None,
        max_turns: int | None = None,
        runtime: AgentRuntime | None = None,
        selector_prompt: str = DEFAULT_SELECTOR_PROMPT,
        allow_repeated_speaker: bool = False,
        max_selector_attempts: int = 3,
        selector_func: SelectorFunc | None = None,
        candidate_func: CandidateFunc | None = None,
        emit_team_events: bool = False,
    ) -> None:
        super().__init__(
            participants,
            name=name,
            description=description,
            termination_condition=termination_condition,
            max_turns=max_turns,
            runtime=runtime,
            emit_team_events=emit_team_events,
        )
        if len(self._participants) < 2:
            raise ConfigurationError(
                "SelectorGroupChat needs at least two participants; use RoundRobinGroupChat "
                "or the agent alone for one"
            )
        if not isinstance(model_client, ChatCompletionClient):
            raise ConfigurationError(
                f"SelectorGroupChat needs a ChatCompletionClient to select speakers, got "
                f"{type(model_client).__name__}"
            )
        if max_selector_attempts < 1:
            raise ConfigurationError(
                f"max_selector_attempts must be at least 1, got {max_selector_attempts}"
            )
        for placeholder in ("{participants}", "{history}"):
            if placeholder not in selector_prompt:
                raise ConfigurationError(
                    f"selector_prompt must contain {placeholder} (and may use {{roles}})"
                )
        try:  # fail now, not at the first speaker selection in the middle of a run
            selector_prompt.format(roles="", participants="", history="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigurationError(
                f"selector_prompt has a placeholder other than {{roles}}, {{participants}} "
                f"and {{history}} ({type(exc).__name__}: {exc}); write literal braces as "
                "{{ and }}"
            ) from exc
        self._model_client = model_client
        self._selector_prompt = selector_prompt
        self._allow_repeated = allow_repeated_speaker
        self._max_attempts = max_selector_attempts
        self._selector_func = selector_func
        self._candidate_func = candidate_func

    def _create_manager(self, setup: GroupChatSetup) -> BaseGroupChatManager:
        return SelectorGroupChatManager(
            setup,
            model_client=self._model_client,
            selector_prompt=self._selector_prompt,
            allow_repeated_speaker=self._allow_repeated,
            max_selector_attempts=self._max_attempts,
            selector_func=self._selector_func,
            candidate_func=self._candidate_func,
        )

    def _to_config(self) -> SelectorGroupChatConfig:
        if self._selector_func is not None or self._candidate_func is not None:
            raise ComponentError(
                "a SelectorGroupChat with selector_func or candidate_func holds Python "
                "functions and cannot be dumped to a spec; leave them out to dump it"
            )
        return SelectorGroupChatConfig(
            **self._group_chat_config(),
            model_client=self._model_client.dump_component(),
            selector_prompt=self._selector_prompt,
            allow_repeated_speaker=self._allow_repeated,
            max_selector_attempts=self._max_attempts,
        )

    @classmethod
    def _from_config(cls, config: BaseModel) -> SelectorGroupChat:
        assert isinstance(config, SelectorGroupChatConfig)
        return cls(
            model_client=load_component(config.model_client, ChatCompletionClient),
            selector_prompt=config.selector_prompt,
            allow_repeated_speaker=config.allow_repeated_speaker,
            max_selector_attempts=config.max_selector_attempts,
            **cls._group_chat_arguments(config),
        )
