"""Context variables the runtime sets while agents are created and handlers run, and
``DefaultTopicId``, which reads them.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from ._ids import AgentId, TopicId
from ._mailbox import HandlerFrame

__all__ = [
    "DefaultTopicId",
    "HandlerFrame",
    "current_agent_id",
    "handler_chain",
    "instantiation_context",
]


# The handlers awaiting each other along the current RPC chain, outermost first.
handler_chain: ContextVar[tuple[HandlerFrame, ...]] = ContextVar(
    "retinue_handler_chain", default=()
)

# (runtime, agent id) while a factory runs, so BaseAgent.__init__ can bind itself.
instantiation_context: ContextVar[tuple[Any, AgentId] | None] = ContextVar(
    "retinue_agent_instantiation", default=None
)


def current_agent_id() -> AgentId | None:
    """The id of the agent whose handler is running in this context, if any."""
    chain = handler_chain.get()
    return chain[-1].agent_id if chain else None


def chain_contains(chain: tuple[HandlerFrame, ...], agent_id: AgentId) -> bool:
    """Whether ``agent_id`` has a handler awaiting further up this chain."""
    return any(frame.active and frame.agent_id == agent_id for frame in chain)


class DefaultTopicId(TopicId):
    """A topic whose ``source`` defaults to the key of the agent handling the current message.

    Outside a handler the source is ``"default"``.  Equal to the plain ``TopicId``
    with the same type and source.
    """

    __slots__ = ()

    def __init__(self, type: str = "default", source: str | None = None) -> None:
        if source is None:
            current = current_agent_id()
            source = current.key if current is not None else "default"
        super().__init__(type, source)
