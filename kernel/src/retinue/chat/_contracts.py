"""AgentChat contracts: agents, teams, termination conditions, and their results."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .._errors import ConfigurationError, RetinueError
from ..cancellation import CancellationToken
from ..components import Component
from ._messages import BaseAgentEvent, BaseChatMessage
from ._termination import TerminationCondition

__all__ = [
    "ChatAgent",
    "Response",
    "TaskResult",
    "TaskRunner",
    "Team",
    "TerminationCondition",
    "validate_agent_name",
]

Task = str | BaseChatMessage | Sequence[BaseChatMessage] | None


def validate_agent_name(name: str) -> str:
    """Agent names are Python identifiers, so they can name tools (``transfer_to_{name}``)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigurationError(
            f"agent name {name!r} is not a valid identifier; use letters, digits and "
            "underscores, not starting with a digit (e.g. 'code_writer')"
        )
    return name


class TaskResult(BaseModel):
    """The outcome of a run: every message and event, and why it stopped."""

    model_config = ConfigDict(defer_build=True)

    messages: list[Any] = Field(default_factory=list)
    stop_reason: str | None = None


@dataclass
class Response:
    """An agent's reply: the final ``chat_message`` and what happened on the way."""

    chat_message: BaseChatMessage
    inner_messages: list[BaseAgentEvent | BaseChatMessage] | None = field(default=None)


class TaskRunner(ABC):
    """Something that runs a task: an agent or a team."""

    async def run(
        self,
        *,
        task: Task = None,
        cancellation_token: CancellationToken | None = None,
        output_task_messages: bool = True,
    ) -> TaskResult:
        """Run the task to the end and return the result.

        The default reads :meth:`run_stream` to its end, so implementations write one
        method; override it only when a run can be cheaper without the stream.
        """
        result: TaskResult | None = None
        async for item in self.run_stream(
            task=task,
            cancellation_token=cancellation_token,
            output_task_messages=output_task_messages,
        ):
            if isinstance(item, TaskResult):
                result = item
        if result is None:
            raise RetinueError(
                f"{type(self).__name__}.run_stream() ended without a TaskResult; it must "
                "yield one as its last item"
            )
        return result

    @abstractmethod
    def run_stream(
        self,
        *,
        task: Task = None,
        cancellation_token: CancellationToken | None = None,
        output_task_messages: bool = True,
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | TaskResult, None]:
        """Yield every message and event, then the :class:`TaskResult`."""


class ChatAgent(TaskRunner, Component[Any], ABC):
    """An agent that takes chat messages and answers with a :class:`Response`."""

    component_kind = "agent"

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def description(self) -> str: ...

    @property
    @abstractmethod
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        """Message classes this agent may return as its ``chat_message``."""

    @abstractmethod
    async def on_messages(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> Response:
        """Handle new messages and reply."""

    @abstractmethod
    def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        """Like :meth:`on_messages`, yielding events first and the ``Response`` last."""

    @abstractmethod
    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        """Forget the conversation."""

    async def on_pause(self, cancellation_token: CancellationToken) -> None:
        """Called when the team is paused."""
        return None

    async def on_resume(self, cancellation_token: CancellationToken) -> None:
        """Called when the team resumes."""
        return None

    @abstractmethod
    async def save_state(self) -> Mapping[str, Any]: ...

    @abstractmethod
    async def load_state(self, state: Mapping[str, Any]) -> None: ...

    async def close(self) -> None:
        """Release resources."""
        return None


class Team(TaskRunner, Component[Any], ABC):
    """A group of agents that runs a task together."""

    component_kind = "team"

    @abstractmethod
    async def reset(self) -> None:
        """Reset the team and every participant to the initial state."""

    @abstractmethod
    async def pause(self) -> None: ...

    @abstractmethod
    async def resume(self) -> None: ...

    @abstractmethod
    async def save_state(self) -> Mapping[str, Any]: ...

    @abstractmethod
    async def load_state(self, state: Mapping[str, Any]) -> None: ...
