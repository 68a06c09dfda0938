"""Agents and teams as tools: a model calls them with a task and gets their answer back."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, field_validator
from retinue import ConfigurationError, ToolError
from retinue.cancellation import CancellationToken
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ChatAgent,
    TaskResult,
    TaskRunner,
    Team,
)
from retinue.components import ComponentModel, load_component
from retinue.tools import BaseStreamTool

from ..agents._model_calls import to_spec

__all__ = ["AgentTool", "AgentToolConfig", "TaskRunnerToolArgs", "TeamTool", "TeamToolConfig"]


class TaskRunnerToolArgs(BaseModel):
    """The one argument of an agent or team tool."""

    model_config = ConfigDict(defer_build=True)

    task: Annotated[str, "The task to be executed."]


class _TaskRunnerTool(
    BaseStreamTool[TaskRunnerToolArgs, BaseAgentEvent | BaseChatMessage, TaskResult]
):
    """Runs a task runner on the model's ``task`` and streams its messages and events."""

    def __init__(
        self,
        task_runner: TaskRunner,
        name: str,
        description: str,
        return_value_as_last_message: bool,
    ) -> None:
        super().__init__(TaskRunnerToolArgs, TaskResult, name, description, strict=True)
        self._task_runner = task_runner
        self._return_value_as_last_message = return_value_as_last_message

    async def run_stream(
        self, args: TaskRunnerToolArgs, cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | TaskResult, None]:
        # Closed with this stream, so a caller that stops reading ends the inner run too.
        async with aclosing(
            self._task_runner.run_stream(
                task=args.task, cancellation_token=cancellation_token, output_task_messages=False
            )
        ) as stream:
            async for item in stream:
                yield item

    def return_value_as_string(self, value: Any) -> str:
        """The last message, or ``"{source}: {text}"`` for every message not from the user."""
        if not isinstance(value, TaskResult):
            return super().return_value_as_string(value)
        chat = [message for message in value.messages if isinstance(message, BaseChatMessage)]
        if self._return_value_as_last_message:
            if not chat:
                raise ToolError(f"tool {self.name!r}: the run produced no chat message to return")
            return chat[-1].to_model_text()
        return "\n\n".join(
            f"{message.source}: {message.to_model_text()}"
            for message in chat
            if message.source != "user"
        )

    async def save_state_json(self) -> Mapping[str, Any]:
        return await self._task_runner.save_state()  # type: ignore[attr-defined, no-any-return]

    async def load_state_json(self, state: Mapping[str, Any]) -> None:
        await self._task_runner.load_state(state)  # type: ignore[attr-defined]


class AgentToolConfig(BaseModel):
    """Declarative config of :class:`AgentTool`."""

    model_config = ConfigDict(defer_build=True)

    agent: ComponentModel
    return_value_as_last_message: bool = False

    _spec = field_validator("agent", mode="before")(to_spec)


class AgentTool(_TaskRunnerTool):
    """An agent as a tool named after it: ``{"task": "..."}`` in, the agent's answer out.

    The answer is every message the agent produced as ``"{source}: {text}"``, or only
    the last one with ``return_value_as_last_message=True``.  Under a streaming
    workbench (the default for an ``AssistantAgent``'s tools) the agent's events
    stream out of the calling agent.

    >>> # writer = AssistantAgent("writer", client); AssistantAgent("boss", client,
    >>> #     tools=[AgentTool(writer)])
    """

    component_provider = "agent_tool"
    component_config_schema = AgentToolConfig

    def __init__(self, agent: ChatAgent, return_value_as_last_message: bool = False) -> None:
        if not isinstance(agent, ChatAgent):
            raise ConfigurationError(f"AgentTool needs a ChatAgent, got {type(agent).__name__}")
        self._agent = agent
        super().__init__(agent, agent.name, agent.description, return_value_as_last_message)

    @property
    def agent(self) -> ChatAgent:
        return self._agent

    def _to_config(self) -> AgentToolConfig:
        return AgentToolConfig(
            agent=self._agent.dump_component(),
            return_value_as_last_message=self._return_value_as_last_message,
        )

    @classmethod
    def _from_config(cls, config: AgentToolConfig) -> AgentTool:
        return cls(load_component(config.agent, ChatAgent), config.return_value_as_last_message)


class TeamToolConfig(BaseModel):
    """Declarative config of :class:`TeamTool`."""

    model_config = ConfigDict(defer_build=True)

    name: str
    description: str
    team: ComponentModel
    return_value_as_last_message: bool = False

    _spec = field_validator("team", mode="before")(to_spec)


class TeamTool(_TaskRunnerTool):
    """A team as a tool: ``{"task": "..."}`` in, the team's messages out.

    The answer is built as for :class:`AgentTool`.
    """

    component_provider = "team_tool"
    component_config_schema = TeamToolConfig

    def __init__(
        self, team: Team, name: str, description: str, return_value_as_last_message: bool = False
    ) -> None:
        if not isinstance(team, Team):
            raise ConfigurationError(f"TeamTool needs a Team, got {type(team).__name__}")
        self._team = team
        super().__init__(team, name, description, return_value_as_last_message)

    @property
    def team(self) -> Team:
        return self._team

    def _to_config(self) -> TeamToolConfig:
        return TeamToolConfig(
            name=self.name,
            description=self.description,
            team=self._team.dump_component(),
            return_value_as_last_message=self._return_value_as_last_message,
        )

    @classmethod
    def _from_config(cls, config: TeamToolConfig) -> TeamTool:
        return cls(
            load_component(config.team, Team),
            config.name,
            config.description,
            config.return_value_as_last_message,
        )
