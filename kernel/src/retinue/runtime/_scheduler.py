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
from .._spans import get_tracer, start_span
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
        stop_grace_period: float,
        tracer_provider: TracerProvider | None,
        tracing: bool,
    ) -> None:
        super().__init__(tracer_provider=tracer_provider, tracing=tracing)
        # Each worker task, with the mailbox it drains (None: one published message for a
        # concurrent agent), so stop() can settle workers cancelled before they ran.
        self._workers: dict[asyncio.Task[None], Mailbox | None] = {}
        self._outstanding = 0
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._unhandled: list[BaseException] = []
        self._state = NEW
        self._ignore_unhandled = ignore_unhandled_exceptions
        self._grace = _check_grace(stop_grace_period)
        # Set while a stop() runs, so a second stop() waits for the first to finish.
        self._stopping: asyncio.Future[None] | None = None
        # How loud the messages a stop drops or cancels are: an owner that abandons the
        # work (stop(cancel_handlers=True)) expects them, so they are only debug output.
        self._drop_log_level = logging.WARNING

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

    async def stop(
        self, *, grace_period: float | None = None, cancel_handlers: bool = False
    ) -> None:
        """Stop delivering: queued messages fail, running handlers get a grace period.

        Queued sends fail with ``RuntimeClosedError`` at once.  Handlers the runtime
        runs in its own tasks get ``grace_period`` seconds (default: the runtime's
        ``stop_grace_period``) to finish; then their tasks are cancelled and their
        senders get ``RuntimeClosedError``.  ``cancel_handlers=True`` cancels them at
        once (a grace period of 0): for an owner that abandons the work, such as a
        team whose caller stopped reading.  A handler running inline in its sender's
        own task is not waited for: its cancellation token is cancelled at the
        deadline, and its sender's task owns it.  A second ``stop()`` while one runs
        waits for it; cancelling the task awaiting ``stop()`` cuts the grace period
        short, and the runtime is stopped all the same.
        """
        if self._stopping is not None:
            await asyncio.shield(self._stopping)
            return
        if self._state != RUNNING:
            return
        grace = 0.0 if cancel_handlers else self._grace
        self._drop_log_level = logging.DEBUG if cancel_handlers else logging.WARNING
        if grace_period is not None and not cancel_handlers:
            grace = _check_grace(grace_period)
        self._state = STOPPING
        stopping = self._stopping = asyncio.get_running_loop().create_future()
        try:
            for mailbox in self._mailboxes.values():
                while mailbox.queue:
                    self._drop_envelope(mailbox.agent_id, mailbox.queue.popleft())
            await self._finish_handlers(grace)
        finally:
            # Also when stop() itself is cancelled: the runtime is never left "stopping".
            self._settle_unstarted_workers()
            self._state = STOPPED
            self._stopping = None
            stopping.set_result(None)
        self._raise_unhandled()

    async def _finish_handlers(self, grace: float) -> None:
        """Wait ``grace`` seconds for running handlers, then cancel those still running."""
        # A handler that calls stop() runs in one of these tasks: never wait for yourself.
        current = asyncio.current_task()
        running = {task for task in self._workers if task is not current}
        try:
            if running and grace > 0:
                _, running = await asyncio.wait(running, timeout=grace)
        finally:
            # Reached at the deadline, or at once if the task awaiting stop() is cancelled.
            for mailbox in self._mailboxes.values():
                holder = mailbox.holder
                if holder is not None and mailbox.worker is None:
                    # Inline in its sender's task, with a token the runtime made for it.
                    holder.ctx.cancellation_token.cancel()
            for task in running:
                task.cancel()
        if running:
            if grace > 0:
                logger.warning(
                    "stop(): %d handler(s) still running after the %.3gs grace period "
                    "were cancelled; their senders get RuntimeClosedError",
                    len(running),
                    grace,
                )
            # Cancelled handlers unwind at once, unless they swallow the cancellation.
            _, stuck = await asyncio.wait(running, timeout=max(grace, _UNWIND_SECONDS))
            if stuck:
                logger.error(
                    "stop(): %d handler(s) ignored cancellation and are left running", len(stuck)
                )

    def _settle_unstarted_workers(self) -> None:
        # A worker cancelled before its first step (by stop(cancel_handlers=True), or
        # by asyncio.run cancelling every task at exit) ran none of its bookkeeping:
        # without this its message would count as outstanding forever (and the next
        # stop_when_idle would never return), and its mailbox would stay busy (and
        # never be drained again after a restart).
        for task, mailbox in list(self._workers.items()):
            if not task.done():
                continue
            del self._workers[task]
            if mailbox is None:
                self._end()
            elif not mailbox.queue:
                mailbox.busy = False

    async def stop_when_idle(self) -> None:
        """Wait until no message is queued or being handled, then stop.

        It waits as long as a handler runs, however long that is; cancel the awaiting
        task (e.g. ``asyncio.wait_for``) to give up: the runtime keeps running and a
        later ``stop()`` still works.
        """
        if self._state != RUNNING:
            if self._state == NEW:
                raise RuntimeClosedError(
                    "stop_when_idle() on a runtime that was never started would wait "
                    "forever; call runtime.start() first"
                )
            if self._stopping is not None:
                await asyncio.shield(self._stopping)
            return
        while self._outstanding:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._idle_waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._idle_waiters:
                    self._idle_waiters.remove(waiter)
            if self._state != RUNNING:
                return  # stopped by someone else meanwhile
        await self.stop()

    async def close(self) -> None:
        """Stop, then close every agent (errors are logged); the runtime is unusable after.

        Each agent's ``close()`` gets the stop grace period; one that takes longer is
        cancelled and logged, so ``close()`` always finishes.
        """
        if self._state == CLOSED:
            return
        try:
            await self.stop()
        finally:
            self._state = CLOSED
            for agent_id, agent in list(self._instances.items()):
                try:
                    await asyncio.wait_for(agent.close(), max(self._grace, _UNWIND_SECONDS))
                except asyncio.TimeoutError:
                    logger.error("closing agent %s did not finish in time; cancelled", agent_id)
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
        mailbox: Mailbox | None,
    ) -> Any:
        """Run ``recipient``'s handler; ``mailbox`` is given when this handler holds it."""
        agent = self._instances.get(recipient)
        if agent is None:
            agent = await self._get_agent(recipient)
        frame = HandlerFrame(recipient, ctx)
        if mailbox is not None:
            mailbox.holder = frame
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
            if mailbox is not None:
                mailbox.holder = None
            handler_chain.reset(reset)

    @staticmethod
    def _closes_cycle(chain: tuple[HandlerFrame, ...], mailbox: Mailbox) -> bool:
        """Whether queueing on busy ``mailbox`` from ``chain`` would wait for ``chain`` itself.

        Follows the wait-for graph: the mailbox's holder waits on the mailboxes in its
        ``waits``, whose holders wait on theirs, and so on.  Reaching a frame of
        ``chain`` means the holder (transitively) waits for the sender: a deadlock.
        """
        seen: set[HandlerFrame] = set()
        pending = [mailbox]
        while pending:
            holder = pending.pop().holder
            if holder is None or holder in seen:
                continue
            if any(frame is holder for frame in chain):
                return True
            seen.add(holder)
            pending.extend(holder.waits)
        return False

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
                task = asyncio.get_running_loop().create_task(
                    self._run_one(mailbox.agent_id, envelope)
                )
                self._workers[task] = None
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
        worker = asyncio.get_running_loop().create_task(self._drain(mailbox))
        mailbox.worker = worker
        self._workers[worker] = mailbox

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
                        mailbox,
                    )
                except asyncio.CancelledError:
                    if self._state > RUNNING:
                        # stop() cancelled a handler (its grace period was over).
                        self._abandon_envelope(recipient, envelope)
                    elif future is not None and not future.done():
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
            self._workers.pop(asyncio.current_task(), None)  # type: ignore[arg-type]
            mailbox.worker = None
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
            await self._handle(
                recipient, envelope.message, envelope.ctx, (), tracer, trace_context, None
            )
        except asyncio.CancelledError:
            if self._state > RUNNING:
                self._abandon_envelope(recipient, envelope)
            raise
        except Exception as exc:
            self._report_unhandled(recipient, envelope, exc)
        finally:
            self._workers.pop(asyncio.current_task(), None)  # type: ignore[arg-type]
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
            logger.log(
                self._drop_log_level,
                "runtime stopped: dropped published message %s for %s",
                envelope.ctx.message_id,
                recipient,
            )
        self._end()

    def _abandon_envelope(self, recipient: AgentId, envelope: Envelope) -> None:
        """Tell the sender that stop() cancelled the handler of its message."""
        future = envelope.future
        if future is None:
            logger.log(
                self._drop_log_level,
                "runtime stopped: the handler of published message %s in %s was cancelled",
                envelope.ctx.message_id,
                recipient,
            )
        elif not future.done():
            future.set_exception(
                RuntimeClosedError(
                    f"the runtime stopped while {recipient} handled message "
                    f"{envelope.ctx.message_id}; its handler did not finish within the "
                    "stop grace period and was cancelled"
                )
            )

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


# How long a cancelled handler (or an agent's close()) may take to unwind when the grace
# period is shorter: cancellation normally takes effect at the next await.
_UNWIND_SECONDS = 1.0


def _check_grace(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ConfigurationError(
            f"stop_grace_period must be a number of seconds >= 0, got {seconds!r:.40}"
        )
    return float(seconds)
