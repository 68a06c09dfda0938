"""The in-process runtime's per-agent mailbox, what waits in it, who holds it, and the run states.

Plain data shared by every layer of :class:`~retinue.runtime.InProcessRuntime`: the
directory creates one :class:`Mailbox` per agent, delivery puts :class:`Envelope` s in
it, and the scheduler drains it.  Kept apart so those layers can all import it without
importing each other.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

    from opentelemetry.context import Context

    from ._ids import AgentId
    from ._runtime import MessageContext

__all__ = [
    "CLOSED",
    "NEW",
    "RUNNING",
    "STATE_NAMES",
    "STOPPED",
    "STOPPING",
    "Envelope",
    "HandlerFrame",
    "Mailbox",
]

# Run states, ordered: everything above RUNNING refuses new messages.
NEW, RUNNING, STOPPING, STOPPED, CLOSED = range(5)
STATE_NAMES = {
    NEW: "new",
    RUNNING: "running",
    STOPPING: "stopping",
    STOPPED: "stopped",
    CLOSED: "closed",
}


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


class Envelope:
    """A message waiting in a mailbox (one envelope serves every recipient of a publish)."""

    __slots__ = ("chain", "ctx", "future", "message", "trace_context")

    def __init__(
        self,
        message: Any,
        ctx: MessageContext,
        future: asyncio.Future[Any] | None,
        chain: tuple[HandlerFrame, ...],
        trace_context: Context | None,
    ) -> None:
        self.message = message
        self.ctx = ctx
        self.future = future
        self.chain = chain
        self.trace_context = trace_context


class Mailbox:
    """One agent's queue; ``busy`` while a handler of the agent runs or a worker drains it.

    ``holder`` is the frame of the handler that has the mailbox right now (``None``
    between two messages): whoever queues here waits for that handler.  ``worker`` is
    the task draining the queue, if any (a handler run inline in its sender's task has
    none).
    """

    __slots__ = ("agent_id", "busy", "concurrent", "holder", "queue", "worker")

    def __init__(self, agent_id: AgentId) -> None:
        self.agent_id = agent_id
        self.queue: deque[Envelope] = deque()
        self.busy = False
        self.concurrent = False
        self.holder: HandlerFrame | None = None
        self.worker: asyncio.Task[None] | None = None
