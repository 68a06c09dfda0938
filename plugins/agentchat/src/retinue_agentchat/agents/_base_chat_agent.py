"""The base class of every preset agent: naming, ``run``/``run_stream`` and default state."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, aclosing, contextmanager, nullcontext, suppress
from contextvars import ContextVar
from typing import Any

from retinue import ConfigurationError, StateError
from retinue.cancellation import CancellationToken
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    ChatAgent,
    ModelClientStreamingChunkEvent,
    Response,
    TaskResult,
    validate_agent_name,
)
from retinue.telemetry import get_tracer, trace_invoke_agent_span

from .._task import Task, task_messages

__all__ = ["BaseChatAgent", "invoke_agent_span", "require_state_mapping"]

# The agent whose invoke span is open, so run_stream -> on_messages_stream opens one span.
_OPEN_SPAN_AGENT: ContextVar[int | None] = ContextVar("retinue_agentchat_open_span", default=None)


_NO_SPAN: AbstractContextManager[None] = nullcontext()


def invoke_agent_span(agent: ChatAgent) -> AbstractContextManager[None]:
    """An ``invoke_agent {name}`` span, unless one for ``agent`` is already open.

    Without a tracer this is a shared no-op context: agents pay nothing for tracing.
    """
    if get_tracer() is None or _OPEN_SPAN_AGENT.get() == id(agent):
        return _NO_SPAN
    return _agent_span(agent)


@contextmanager
def _agent_span(agent: ChatAgent) -> Iterator[None]:
    marker = _OPEN_SPAN_AGENT.set(id(agent))
    try:
        with trace_invoke_agent_span(agent.name, description=agent.description):
            yield
    finally:
        # A stream closed from another context raises ValueError; that context never saw the mark.
        with suppress(ValueError):
            _OPEN_SPAN_AGENT.reset(marker)


class BaseChatAgent(ChatAgent, ABC):
    """Base for chat agents: subclasses implement ``on_messages_stream`` and ``on_reset``.

    ``run``/``run_stream`` turn a task into messages (a string becomes a
    ``TextMessage`` from ``"user"``), pass them to the agent and collect a
    :class:`~retinue.chat.TaskResult`; streamed chunks are yielded but left out of
    the result.  ``on_messages`` returns the final :class:`~retinue.chat.Response`
    of ``on_messages_stream``.
    """

    def __init__(self, name: str, description: str) -> None:
        self._name = validate_agent_name(name)
        if not isinstance(description, str):
            raise ConfigurationError(
                f"agent {name!r}: description must be a string, got {type(description).__name__}"
            )
        self._description = description

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str:
        return self._description

    @abstractmethod
    def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        """Handle new messages, yielding events and finally one :class:`Response`."""

    async def on_messages(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> Response:
        response: Response | None = None
        async with aclosing(self.on_messages_stream(messages, cancellation_token)) as stream:
            async for item in stream:
                if isinstance(item, Response):
                    response = item
        if response is None:
            raise ConfigurationError(
                f"agent {self.name!r} ({type(self).__name__}) finished on_messages_stream "
                "without yielding a Response; its on_messages_stream must end with one"
            )
        return response

    async def run_stream(
        self,
        *,
        task: Task = None,
        cancellation_token: CancellationToken | None = None,
        output_task_messages: bool = True,
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | TaskResult, None]:
        token = cancellation_token or CancellationToken()
        input_messages = task_messages(task, "agent", self._name) or []
        output: list[BaseAgentEvent | BaseChatMessage] = []
        with invoke_agent_span(self):
            if output_task_messages:
                for message in input_messages:
                    output.append(message)
                    yield message
            # Closed here, not left to the garbage collector, when our own caller stops
            # reading: the agent's turn (model calls, tools, inner teams) ends with us.
            async with aclosing(self.on_messages_stream(input_messages, token)) as stream:
                async for item in stream:
                    if isinstance(item, Response):
                        output.append(item.chat_message)
                        yield item.chat_message
                        continue
                    yield item
                    # Chunks are a live view of the final message, which the result holds.
                    if not isinstance(item, ModelClientStreamingChunkEvent):
                        output.append(item)
        yield TaskResult(messages=output)

    async def save_state(self) -> Mapping[str, Any]:
        """Stateless agents save only their state type."""
        return {"type": f"{type(self).__name__}State", "version": "1.0.0"}

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """Stateless agents accept any mapping."""
        require_state_mapping(self.name, state)


def require_state_mapping(agent_name: str, state: Any) -> Mapping[str, Any]:
    """``state`` if it is a mapping, else a :class:`StateError` naming the agent."""
    if not isinstance(state, Mapping):
        raise StateError(
            f"agent {agent_name!r}: state must be a mapping as returned by save_state(), "
            f"got {type(state).__name__}"
        )
    return state
