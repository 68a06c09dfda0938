"""``SocietyOfMindAgent``: an inner team works on the task; one model call answers for it."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from retinue import ConfigurationError, StateTarget, load_all_or_nothing
from retinue.cancellation import CancellationToken
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ChatCompletionContext,
    HandoffMessage,
    ModelClientStreamingChunkEvent,
    Response,
    TaskResult,
    Team,
    TextMessage,
)
from retinue.components import ComponentModel, load_component
from retinue.models import (
    AssistantMessage,
    ChatCompletionClient,
    LLMMessage,
    SystemMessage,
    UserMessage,
)

from ._base_chat_agent import invoke_agent_span, require_state_mapping
from ._context_agent import ModelContextAgent, load_model_context
from ._model_calls import compatible_messages, to_spec

__all__ = ["SocietyOfMindAgent", "SocietyOfMindAgentConfig"]

DEFAULT_DESCRIPTION = "An agent that answers with the help of an inner team of agents."
DEFAULT_INSTRUCTION = (
    "You were asked to fulfil a request, and you worked on it together with your team. "
    "This is the transcript of that work:"
)
DEFAULT_RESPONSE_PROMPT = (
    "Write a standalone answer to the original request. Do not mention the discussion "
    "that led to it."
)
NO_RESPONSE = "No response."


class SocietyOfMindAgentConfig(BaseModel):
    """Declarative config of :class:`SocietyOfMindAgent`."""

    model_config = ConfigDict(defer_build=True)

    name: str
    team: ComponentModel
    model_client: ComponentModel
    description: str = DEFAULT_DESCRIPTION
    instruction: str = DEFAULT_INSTRUCTION
    response_prompt: str = DEFAULT_RESPONSE_PROMPT
    model_context: ComponentModel | None = None

    _spec = field_validator("team", "model_client", "model_context", mode="before")(to_spec)


class SocietyOfMindAgent(ModelContextAgent):
    """Runs ``team`` on the new messages, then answers with one model call over its transcript.

    The earlier conversation (kept in ``model_context``) reaches the team as the
    context of a leading ``HandoffMessage``.  The team's messages and events stream
    out as inner messages; the model sees ``instruction``, the team's chat messages
    and ``response_prompt``.  The team is reset after every turn.
    """

    component_provider = "society_of_mind_agent"
    component_config_schema = SocietyOfMindAgentConfig

    def __init__(
        self,
        name: str,
        team: Team,
        model_client: ChatCompletionClient,
        *,
        description: str = DEFAULT_DESCRIPTION,
        instruction: str = DEFAULT_INSTRUCTION,
        response_prompt: str = DEFAULT_RESPONSE_PROMPT,
        model_context: ChatCompletionContext | None = None,
    ) -> None:
        super().__init__(name, description, model_context)
        if not isinstance(team, Team):
            raise ConfigurationError(
                f"agent {name!r}: team must be a Team, got {type(team).__name__}"
            )
        if not isinstance(model_client, ChatCompletionClient):
            raise ConfigurationError(
                f"agent {name!r}: model_client must be a ChatCompletionClient, got "
                f"{type(model_client).__name__}"
            )
        self._team = team
        self._model_client = model_client
        self._instruction = instruction
        self._response_prompt = response_prompt

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return [TextMessage]

    @property
    def team(self) -> Team:
        return self._team

    async def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        with invoke_agent_span(self):
            task: list[BaseChatMessage] = list(messages)
            earlier = await self._model_context.get_messages()
            if earlier:
                task.insert(
                    0,
                    HandoffMessage(
                        content="relevant previous messages",
                        source=self.name,
                        target="",
                        context=earlier,
                    ),
                )
            inner: list[BaseAgentEvent | BaseChatMessage] = []
            # Closed with this stream: an abandoned turn ends the inner team's run at once.
            async with aclosing(
                self._team.run_stream(
                    task=task or None,
                    cancellation_token=cancellation_token,
                    output_task_messages=False,
                )
            ) as stream:
                async for item in stream:
                    if isinstance(item, TaskResult):
                        continue
                    yield item
                    if not isinstance(item, ModelClientStreamingChunkEvent):
                        inner.append(item)
            for message in messages:
                await self._model_context.add_message(message.to_model_message())
            if not any(isinstance(item, BaseChatMessage) for item in inner):
                reply = TextMessage(content=NO_RESPONSE, source=self.name)
            else:
                reply = await self._summarize(inner, cancellation_token)
            await self._model_context.add_message(
                AssistantMessage(content=reply.content, source=self.name)
            )
            await self._team.reset()
            yield Response(chat_message=reply, inner_messages=inner)

    async def _summarize(
        self,
        inner: Sequence[BaseAgentEvent | BaseChatMessage],
        cancellation_token: CancellationToken,
    ) -> TextMessage:
        system = self._model_client.model_info.get("multiple_system_messages", False)

        def prompt(text: str) -> LLMMessage:
            return (
                SystemMessage(content=text) if system else UserMessage(content=text, source="user")
            )

        transcript = [
            item.to_model_message() for item in inner if isinstance(item, BaseChatMessage)
        ]
        llm_messages = [prompt(self._instruction), *transcript, prompt(self._response_prompt)]
        result = await self._model_client.create(
            compatible_messages(self._model_client, llm_messages),
            cancellation_token=cancellation_token,
        )
        if not isinstance(result.content, str):
            raise ConfigurationError(
                f"agent {self.name!r}: the model answered the summary call with tool calls; "
                "the summary call passes no tools, so use a model client that honours that"
            )
        return TextMessage(content=result.content, source=self.name, models_usage=result.usage)

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        await self._team.reset()
        await super().on_reset(cancellation_token)

    async def save_state(self) -> Mapping[str, Any]:
        return await self._state_with_context(
            "SocietyOfMindAgentState", inner_team_state=dict(await self._team.save_state())
        )

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """The inner team's state and the model context's, loaded all or nothing."""
        state = require_state_mapping(self.name, state)
        targets = [
            StateTarget(
                f"agent {self.name!r}'s model context",
                self._model_context.save_state,
                self._model_context.load_state,
                state.get("llm_context", {"messages": []}),
            )
        ]
        if "inner_team_state" in state:
            targets.insert(
                0,
                StateTarget(
                    f"agent {self.name!r}'s inner team",
                    self._team.save_state,
                    self._team.load_state,
                    state["inner_team_state"],
                ),
            )
        await load_all_or_nothing(targets)

    def _to_config(self) -> SocietyOfMindAgentConfig:
        return SocietyOfMindAgentConfig(
            name=self.name,
            team=self._team.dump_component(),
            model_client=self._model_client.dump_component(),
            description=self.description,
            instruction=self._instruction,
            response_prompt=self._response_prompt,
            model_context=self._model_context.dump_component(),
        )

    @classmethod
    def _from_config(cls, config: SocietyOfMindAgentConfig) -> SocietyOfMindAgent:
        return cls(
            config.name,
            load_component(config.team, Team),
            load_component(config.model_client, ChatCompletionClient),
            description=config.description,
            instruction=config.instruction,
            response_prompt=config.response_prompt,
            model_context=load_model_context(config.model_context),
        )
