"""``UserProxyAgent``: a human in the team, reached through an input function."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel, ConfigDict
from retinue import CancelledError, ConfigurationError, RetinueError
from retinue.cancellation import CancellationToken
from retinue.chat import (
    BaseAgentEvent,
    BaseChatMessage,
    HandoffMessage,
    Response,
    TextMessage,
    UserInputRequestedEvent,
)

from ._base_chat_agent import BaseChatAgent, invoke_agent_span

__all__ = ["InputFuncType", "UserInputError", "UserProxyAgent", "UserProxyAgentConfig"]

SyncInputFunc = Callable[[str], str]
AsyncInputFunc = Callable[[str, CancellationToken | None], Awaitable[str]]
InputFuncType = SyncInputFunc | AsyncInputFunc

_REQUEST_ID: ContextVar[str | None] = ContextVar("retinue_user_input_request_id", default=None)


class UserInputError(RetinueError):
    """The input function of a :class:`UserProxyAgent` failed."""


class UserProxyAgentConfig(BaseModel):
    """Declarative config of :class:`UserProxyAgent`.

    The input function is code and is not dumped; a loaded agent reads from standard input.
    """

    model_config = ConfigDict(defer_build=True)

    name: str
    description: str = "A human user"


class UserProxyAgent(BaseChatAgent):
    """Stands in for a person: each turn it asks ``input_func`` for the reply.

    ``input_func`` is either sync ``(prompt) -> str`` (run in a thread, default:
    :func:`input`) or async ``(prompt, cancellation_token) -> str``.  Before asking
    it yields a ``UserInputRequestedEvent``; while the input function runs,
    :meth:`InputRequestContext.request_id` gives that event's ``request_id`` (a UI
    uses it to match the prompt to the request).  Cancelling the token stops the
    wait and raises :class:`~retinue.CancelledError`.

    When the last incoming message is a ``HandoffMessage`` to this agent, the reply
    is a ``HandoffMessage`` back to the agent that handed off.
    """

    component_provider = "user_proxy_agent"
    component_config_schema = UserProxyAgentConfig

    class InputRequestContext:
        """Which ``UserInputRequestedEvent`` the running input function answers."""

        @classmethod
        def request_id(cls) -> str:
            request_id = _REQUEST_ID.get()
            if request_id is None:
                raise ConfigurationError(
                    "InputRequestContext.request_id() was called outside an input function of a "
                    "UserProxyAgent; call it only from within input_func"
                )
            return request_id

    def __init__(
        self,
        name: str,
        *,
        description: str = "A human user",
        input_func: InputFuncType | None = None,
    ) -> None:
        super().__init__(name, description)
        if input_func is not None and not callable(input_func):
            raise ConfigurationError(
                f"agent {name!r}: input_func must be a function, got {type(input_func).__name__}"
            )
        self._input_func: InputFuncType = input_func or input
        # An object with an ``async def __call__`` is an async input function too.
        self._is_async = inspect.iscoroutinefunction(
            self._input_func
        ) or inspect.iscoroutinefunction(type(self._input_func).__call__)

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return [TextMessage, HandoffMessage]

    def _handoff_to_me(self, messages: Sequence[BaseChatMessage]) -> HandoffMessage | None:
        if not messages or not isinstance(messages[-1], HandoffMessage):
            return None
        handoff = messages[-1]
        if handoff.target != self.name:
            raise ConfigurationError(
                f"agent {self.name!r} received a handoff addressed to {handoff.target!r} "
                f"(from {handoff.source!r}); route handoffs to the agent they name"
            )
        return handoff

    async def on_messages_stream(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | Response, None]:
        with invoke_agent_span(self):
            handoff = self._handoff_to_me(messages)
            prompt = (
                f"Handoff received from {handoff.source}. Enter your response: "
                if handoff
                else "Enter your response: "
            )
            request_id = str(uuid.uuid4())
            yield UserInputRequestedEvent(request_id=request_id, source=self.name, content=prompt)
            text = await self._ask(prompt, request_id, cancellation_token)
            if handoff is not None:
                yield Response(
                    chat_message=HandoffMessage(
                        content=text, target=handoff.source, source=self.name
                    )
                )
            else:
                yield Response(chat_message=TextMessage(content=text, source=self.name))

    async def _ask(
        self, prompt: str, request_id: str, cancellation_token: CancellationToken
    ) -> str:
        with _requesting(request_id):
            if self._is_async:
                func: Any = self._input_func
                future: asyncio.Future[Any] = asyncio.ensure_future(
                    func(prompt, cancellation_token)
                )
            else:
                loop = asyncio.get_running_loop()
                # A blocked thread cannot be interrupted; cancelling stops waiting for it.
                context = contextvars.copy_context()
                future = loop.run_in_executor(None, context.run, self._input_func, prompt)
        cancellation_token.link_future(future)
        try:
            text = await future
        except asyncio.CancelledError:
            if cancellation_token.is_cancelled():
                raise CancelledError(
                    f"agent {self.name!r}: waiting for user input was cancelled"
                ) from None
            raise
        except CancelledError:
            raise
        except Exception as exc:
            raise UserInputError(
                f"agent {self.name!r}: the input function failed with {type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(text, str):
            raise UserInputError(
                f"agent {self.name!r}: the input function must return a string, got "
                f"{type(text).__name__}"
            )
        return text

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        return None

    def _to_config(self) -> UserProxyAgentConfig:
        return UserProxyAgentConfig(name=self.name, description=self.description)

    @classmethod
    def _from_config(cls, config: UserProxyAgentConfig) -> UserProxyAgent:
        return cls(config.name, description=config.description)


@contextmanager
def _requesting(request_id: str) -> Iterator[None]:
    # Set while the input call starts: its task (or executor call) runs in a copy of the context.
    token = _REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)
