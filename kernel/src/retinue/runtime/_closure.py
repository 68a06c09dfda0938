"""``ClosureAgent``: an agent made from one async function (handy for collecting output)."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

from .._errors import CantHandleError, ConfigurationError
from ._agent import BaseAgent, MessageContext
from ._ids import AgentType
from ._routed import message_types_of
from ._runtime import AgentRuntime
from ._subscriptions import Subscription

__all__ = ["ClosureAgent", "ClosureContext"]

logger = logging.getLogger(__name__)

UnknownTypePolicy = Literal["error", "warn", "ignore"]
Closure = Callable[["ClosureContext", Any, MessageContext], Awaitable[Any]]

ClosureContext = BaseAgent
"""What a closure gets as its first argument: the agent (``id``, ``send_message``, ...)."""


class ClosureAgent(BaseAgent):
    """Calls ``closure(agent, message, ctx)`` for each message of the closure's message type.

    >>> async def collect(agent, message: str, ctx):
    ...     results.append(message)
    >>> # await ClosureAgent.register_closure(runtime, "collector", collect,
    >>> #     subscriptions=lambda: [TypeSubscription("output", "collector")])

    A message of another type is refused (``"error"``: ``CantHandleError``), logged
    (``"warn"``) or dropped silently (``"ignore"``), per ``unknown_type_policy``.
    """

    def __init__(
        self,
        description: str,
        closure: Closure,
        *,
        unknown_type_policy: UnknownTypePolicy = "warn",
        expected_types: tuple[builtins.type[Any], ...] | None = None,
    ) -> None:
        super().__init__(description)
        if unknown_type_policy not in ("error", "warn", "ignore"):
            raise ConfigurationError(
                f"unknown_type_policy must be 'error', 'warn' or 'ignore', "
                f"got {unknown_type_policy!r}"
            )
        self._closure = closure
        self._expected = expected_types or message_types_of(closure, position=1)
        self._policy = unknown_type_policy

    async def on_message_impl(self, message: Any, ctx: MessageContext) -> Any:
        if not isinstance(message, self._expected):
            text = (
                f"closure agent {self.id} takes {[t.__qualname__ for t in self._expected]}, "
                f"not {type(message).__qualname__}"
            )
            if self._policy == "error":
                raise CantHandleError(text)
            if self._policy == "warn":
                logger.warning(text)
            return None
        return await self._closure(self, message, ctx)

    @classmethod
    def _handled_message_types(cls) -> list[builtins.type[Any]]:
        return []

    @classmethod
    async def register_closure(
        cls,
        runtime: AgentRuntime,
        type: str,
        closure: Closure,
        *,
        unknown_type_policy: UnknownTypePolicy = "warn",
        skip_direct_message_subscription: bool = False,
        description: str = "",
        subscriptions: Callable[[], Sequence[Subscription]] | None = None,
    ) -> AgentType:
        """Register agent ``type`` whose instances call ``closure``; add ``subscriptions()``."""
        # Resolved here, where locally defined message classes are still in scope.
        expected = message_types_of(closure, position=1)

        def factory() -> ClosureAgent:
            return cls(
                description,
                closure,
                unknown_type_policy=unknown_type_policy,
                expected_types=expected,
            )

        agent_type = await cls.register(
            runtime,
            type,
            factory,
            skip_class_subscriptions=True,
            skip_direct_message_subscription=skip_direct_message_subscription,
        )
        for subscription in subscriptions() if subscriptions is not None else ():
            await runtime.add_subscription(subscription)
        return agent_type
