"""Context variables the runtime sets while agents are created and handlers run."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._agent import MessageContext
    from ._ids import AgentId
    from ._mailbox import Mailbox

__all__ = ["HandlerFrame", "current_agent_id", "handler_chain", "instantiation_context"]


class HandlerFrame:
    """One agent handler that is running (and possibly awaiting) in the current call chain.

    ``active`` turns false when the handler returns, so a task that was spawned inside
    the handler and outlives it is no longer treated as part of the chain.  ``waits``
    lists the mailboxes this handler, or a handler it awaits further down its chain,
    is queued on: the edges of the runtime's wait-for graph (see
    ``MailboxScheduler._closes_cycle``).  ``ctx`` is the context of the message being
    handled, so ``stop`` can reach the handler's cancellation token.
    """

    __slots__ = ("active", "agent_id", "ctx", "waits")

    def __init__(self, agent_id: AgentId, ctx: MessageContext) -> None:
        self.agent_id = agent_id
        self.ctx = ctx
        self.active = True
        # A tuple, rebuilt on change: waits are rare, and an empty tuple costs no allocation.
        self.waits: tuple[Mailbox, ...] = ()


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
