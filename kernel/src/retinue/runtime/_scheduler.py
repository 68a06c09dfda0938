"""When the in-process runtime's handlers run: lifecycle, mailbox workers, idle tracking.

:class:`MailboxScheduler` is the layer of :class:`~retinue.runtime.InProcessRuntime`
that owns the run state (``start``/``stop``/``stop_when_idle``/``close``), runs one
handler (:meth:`~MailboxScheduler._handle`), drains each busy mailbox in its own
worker task (one task per burst of messages), counts the messages not yet handled
so ``stop_when_idle`` knows when to return, and reports errors of published
messages, which have no sender to raise them to.  The delivery layer above decides
whether a message runs inline or goes through a mailbox; the rules are in
``docs/runtime.md`` ("Concurrency model").
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from .._errors import ConfigurationError, RuntimeClosedError
from ..telemetry import get_tracer, start_span
from ._agent import MessageContext
from ._context import HandlerFrame, handler_chain
from ._directory import AgentDirectory
from ._ids import AgentId
from ._mailbox import CLOSED, NEW, RUNNING, STATE_NAMES, STOPPED, STOPPING, Envelope, Mailbox
from ._tracing import process_attributes

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Tracer, TracerProvider

__all__ = ["MailboxScheduler"]

logger = logging.getLogger(__name__)


class MailboxScheduler(AgentDirectory):
    """Runs handlers one at a time per agent mailbox, and the runtime's lifecycle."""

    def __init__(
        self,
        *,
        ignore_unhandled_exceptions: bool,
        tracer_provider: TracerProvider | None,
        tracing: bool,
    ) -> None:
        super().__init__(tracer_provider=tracer_provider, tracing=tracing)
        self._workers: set[asyncio.Task[None]] = set()
        self._outstanding = 0
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._unhandled: list[BaseException] = []
        self._state = NEW
        self._ignore_unhandled = ignore_unhandled_exceptions

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Begin delivering messages; messages queued before now are delivered."""
        if self._state == CLOSED:
            raise RuntimeClosedError("this runtime is closed; create a new InProcessRuntime")
        if self._state == RUNNING:
            raise ConfigurationError("the runtime is already running; call start() only once")
        if self._state == STOPPING:
            raise ConfigurationError("the runtime is stopping; await stop() before start()")
        self._state = RUNNING
        for mailbox in self._mailboxes.values():
            if mailbox.queue:
                mailbox.busy = True
                self._spawn_worker(mailbox)

    @property
    def is_running(self) -> bool:
        """Whether messages are being delivered."""
        return self._state == RUNNING

    async def stop(self) -> None:
        """Finish running handlers; queued messages fail with ``RuntimeClosedError``."""
        if self._state != RUNNING:
            return
        self._state = STOPPING
        for mailbox in self._mailboxes.values():
            while mailbox.queue:
                self._drop_envelope(mailbox.agent_id, mailbox.queue.popleft())
        if self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)
            # A worker cancelled before its first step never removed itself.
            self._workers = {task for task in self._workers if not task.done()}
        self._state = STOPPED
        self._raise_unhandled()

    async def stop_when_idle(self) -> None:
        """Wait until no message is queued or being handled, then stop."""
        if self._state != RUNNING:
            if self._state == NEW:
                raise RuntimeClosedError(
                    "stop_when_idle() on a runtime that was never started would wait "
                    "forever; call runtime.start() first"
                )
            return
        while self._outstanding:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._idle_waiters.append(waiter)
            await waiter
        await self.stop()

    async def close(self) -> None:
        """Stop, then close every agent (errors are logged); the runtime is unusable after."""
        if self._state == CLOSED:
            return
        try:
            await self.stop()
        finally:
            self._state = CLOSED
            for agent_id, agent in list(self._instances.items()):
                try:
                    await agent.close()
                except Exception:
                    logger.exception("closing agent %s failed", agent_id)

    def _check_accepting(self, what: str) -> None:
        if self._state > RUNNING:
            raise RuntimeClosedError(
                f"cannot {what}: the runtime is {STATE_NAMES[self._state]}; "
                "call start() again (or create a new runtime after close())"
            )

    # ------------------------------------------------------------------ handlers

    async def _handle(
        self,
        recipient: AgentId,
        message: Any,
        ctx: MessageContext,
        chain: tuple[HandlerFrame, ...],
        tracer: Tracer | None,
        trace_context: Context | None,
    ) -> Any:
        agent = self._instances.get(recipient)
        if agent is None:
            agent = await self._get_agent(recipient)
        frame = HandlerFrame(recipient)
        reset = handler_chain.set((*chain, frame))
        try:
            if tracer is None:
                return await agent.on_message(message, ctx)
            with start_span(
                tracer,
                f"process {recipient}",
                kind="consumer",
                parent_context=trace_context,
                attributes=process_attributes(recipient, agent, message, ctx),
            ):
                return await agent.on_message(message, ctx)
        finally:
            frame.active = False
            handler_chain.reset(reset)

    def _fan_out(
        self, mailboxes: tuple[Mailbox, ...], envelope: Envelope, sender: AgentId | None
    ) -> None:
        # One envelope serves every recipient: nothing in it is per recipient.
        running = self._state == RUNNING
        if not running and self._state != NEW:
            # Stopped while an intervention handler was awaited: refuse, do not park it.
            self._check_accepting("publish a message")
        for mailbox in mailboxes:
            if sender is not None and mailbox.agent_id == sender:
                continue
            self._outstanding += 1
            if mailbox.concurrent and running:
                self._workers.add(
                    asyncio.get_running_loop().create_task(
                        self._run_one(mailbox.agent_id, envelope)
                    )
                )
                continue
            mailbox.queue.append(envelope)
            if not mailbox.busy:
                mailbox.busy = True
                if running:
                    self._spawn_worker(mailbox)

    def _enqueue(self, mailbox: Mailbox, envelope: Envelope) -> None:
        self._begin()
        mailbox.queue.append(envelope)
        if not mailbox.busy:
            mailbox.busy = True
            if self._state == RUNNING:
                self._spawn_worker(mailbox)

    def _spawn_worker(self, mailbox: Mailbox) -> None:
        # Workers remove themselves from ``_workers`` when they finish (cheaper than a
        # done callback, which costs a loop callback per task).
        self._workers.add(asyncio.get_running_loop().create_task(self._drain(mailbox)))

    async def _drain(self, mailbox: Mailbox) -> None:
        """Handle a mailbox's messages one by one until it is empty (one task per burst)."""
        queue = mailbox.queue
        recipient = mailbox.agent_id
        try:
            while queue and self._state == RUNNING:
                envelope = queue.popleft()
                future = envelope.future
                try:
                    if future is not None and future.done():
                        continue  # the sender gave up (cancelled) before we got to it
                    trace_context = envelope.trace_context
                    tracer = None if trace_context is None else get_tracer(self._tracer_provider)
                    result = await self._handle(
                        recipient,
                        envelope.message,
                        envelope.ctx,
                        envelope.chain,
                        tracer,
                        trace_context,
                    )
                except asyncio.CancelledError:
                    if future is not None and not future.done():
                        future.cancel()
                    raise
                except Exception as exc:
                    if future is None:
                        self._report_unhandled(recipient, envelope, exc)
                    elif not future.done():
                        future.set_exception(exc)
                else:
                    if future is not None and not future.done():
                        future.set_result(result)
                finally:
                    self._end()
        finally:
            self._workers.discard(asyncio.current_task())
            if queue and self._state == RUNNING:
                # Only reached if the worker itself was cancelled mid-burst; keep going.
                self._spawn_worker(mailbox)
            else:
                mailbox.busy = False

    async def _run_one(self, recipient: AgentId, envelope: Envelope) -> None:
        """Handle one published message for a concurrent agent (in its own task)."""
        trace_context = envelope.trace_context
        tracer = None if trace_context is None else get_tracer(self._tracer_provider)
        try:
            await self._handle(recipient, envelope.message, envelope.ctx, (), tracer, trace_context)
        except Exception as exc:
            self._report_unhandled(recipient, envelope, exc)
        finally:
            self._workers.discard(asyncio.current_task())
            self._end()

    # ------------------------------------------------------------------ bookkeeping

    def _begin(self) -> None:
        self._outstanding += 1

    def _end(self) -> None:
        self._outstanding -= 1
        if not self._outstanding and self._idle_waiters:
            waiters, self._idle_waiters = self._idle_waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _drop_envelope(self, recipient: AgentId, envelope: Envelope) -> None:
        future = envelope.future
        if future is not None:
            if not future.done():
                future.set_exception(
                    RuntimeClosedError(
                        f"the runtime stopped before message {envelope.ctx.message_id} "
                        f"reached {recipient}"
                    )
                )
        else:
            logger.warning(
                "runtime stopped: dropped published message %s for %s",
                envelope.ctx.message_id,
                recipient,
            )
        self._end()

    def _report_unhandled(self, recipient: AgentId, envelope: Envelope, exc: Exception) -> None:
        logger.error(
            "agent %s raised %s handling published message %s on %s",
            recipient,
            type(exc).__name__,
            envelope.ctx.message_id,
            envelope.ctx.topic_id,
            exc_info=exc,
        )
        if not self._ignore_unhandled:
            # Kept for stop() to raise; when ignored, keeping it would only pin its frames.
            self._unhandled.append(exc)

    def _raise_unhandled(self) -> None:
        errors, self._unhandled = self._unhandled, []
        if errors and not self._ignore_unhandled:
            raise errors[0]
