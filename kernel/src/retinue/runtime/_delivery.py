"""How a send or publish reaches its handlers: intervention, serialization, tracing, routing.

:class:`MessageDelivery` is the top layer of
:class:`~retinue.runtime.InProcessRuntime`: ``send_message`` and
``publish_message`` build the message's context, pass it through the intervention
handlers (and through the serializers with ``serialize_messages``), open the
``send``/``publish`` span, and then choose the route.  A send runs the handler
inline in the sender's task when the recipient's mailbox is idle or the recipient
already awaits further up the call chain; otherwise it waits in the mailbox.  A
publish goes to every subscriber's mailbox.

This is the hot path (a few microseconds per message): keep it free of extra
function layers and of per-message work that a runtime without interceptors,
serialization or tracing does not need.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._errors import (
    AgentNotFoundError,
    CancelledError,
    ConfigurationError,
    SerializationError,
)
from .._slots import collect_interceptors
from .._spans import current_trace_context, get_runtime_tracer, start_span
from ..cancellation import CancellationToken
from ._agent import MessageContext
from ._context import chain_contains, handler_chain
from ._ids import AgentId, TopicId
from ._intervention import (
    MessageInterceptor,
    intercept_publish,
    intercept_response,
    intercept_send,
    is_drop,
)
from ._mailbox import RUNNING, Envelope
from ._scheduler import MailboxScheduler
from ._serialization import MessageSerializer, SerializationRegistry
from ._tracing import messaging_attributes

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider

__all__ = ["MessageDelivery"]


class MessageDelivery(MailboxScheduler):
    """``send_message`` and ``publish_message``, with interceptors and serialization."""

    def __init__(
        self,
        *,
        intervention_handlers: Iterable[MessageInterceptor],
        serialize_messages: bool,
        ignore_unhandled_exceptions: bool,
        stop_grace_period: float,
        tracer_provider: TracerProvider | None,
        tracing: bool,
    ) -> None:
        super().__init__(
            ignore_unhandled_exceptions=ignore_unhandled_exceptions,
            stop_grace_period=stop_grace_period,
            tracer_provider=tracer_provider,
            tracing=tracing,
        )
        self._serializers = SerializationRegistry()
        self._serialize = serialize_messages
        self._message_ids = itertools.count(1)
        # Last: plugins are handed the runtime fully built.
        self._interceptors: tuple[MessageInterceptor, ...] = (
            *intervention_handlers,
            *collect_interceptors("message", self),
        )

    async def send_message(
        self,
        message: Any,
        recipient: AgentId,
        *,
        sender: AgentId | None = None,
        cancellation_token: CancellationToken | None = None,
        message_id: str | None = None,
    ) -> Any:
        """Deliver ``message`` to ``recipient`` and return the handler's reply.

        Raises:
            AgentNotFoundError: no agent type (or instance) is registered for ``recipient``.
            AgentCreationError: the recipient's factory raised.
            CantHandleError: the recipient has no handler for the message type.
            MessageDroppedError: an intervention handler dropped the message or reply.
            CancelledError: ``cancellation_token`` was cancelled before the reply.
            RuntimeClosedError: the runtime is stopped or closed.
            SerializationError: with ``serialize_messages``, a message or reply cannot be encoded.
            Exception: whatever the handler raised.
        """
        self._check_accepting("send a message")
        if not isinstance(recipient, AgentId):
            raise ConfigurationError(
                f"recipient must be an AgentId, got {type(recipient).__name__} {recipient!r}; "
                "use AgentId(type, key)"
            )
        # ``_is_registered`` inlined: this runs once per message.
        entry = self._factories.get(recipient.type)
        if entry is None or (entry[0] is None and recipient not in self._instances):
            raise AgentNotFoundError(self._not_found_message(recipient))
        token = cancellation_token if cancellation_token is not None else CancellationToken()
        ctx = MessageContext(
            sender,
            None,
            True,
            token,
            message_id if message_id is not None else f"m{next(self._message_ids)}",
        )
        if self._interceptors:
            message = await intercept_send(self._interceptors, message, ctx, recipient)
        if self._serialize:
            message = self._serializers.round_trip(message)
        tracer = get_runtime_tracer(self._tracer_provider) if self._tracing else None
        if tracer is None:
            result = await self._deliver(
                message, ctx, recipient, cancellation_token is not None, None
            )
        else:
            with start_span(
                tracer,
                f"send {recipient}",
                kind="producer",
                attributes=messaging_attributes("send", str(recipient), message, ctx),
            ):
                result = await self._deliver(
                    message, ctx, recipient, cancellation_token is not None, tracer
                )
        if self._serialize:
            try:
                result = self._serializers.round_trip(result)
            except SerializationError as exc:
                raise SerializationError(
                    f"the reply of agent {recipient} to {type(message).__qualname__} cannot "
                    f"be serialized: {exc}"
                ) from exc
        if self._interceptors:
            result = await intercept_response(self._interceptors, result, recipient, sender)
        return result

    async def _deliver(
        self,
        message: Any,
        ctx: MessageContext,
        recipient: AgentId,
        has_token: bool,
        tracer: Tracer | None,
    ) -> Any:
        mailbox = self._mailboxes.get(recipient) or self._mailbox(recipient)
        chain = handler_chain.get()
        # Inline in this chain when queueing would deadlock: the recipient awaits further
        # up the chain (A -> B -> A), or its mailbox is held by a handler that waits,
        # transitively, for this chain (crossed chains, X -> Y while Y -> X).
        direct = mailbox.concurrent or (
            bool(chain)
            and (
                chain_contains(chain, recipient)
                or (mailbox.busy and self._closes_cycle(chain, mailbox))
            )
        )
        if has_token:
            if ctx.cancellation_token.is_cancelled():
                raise CancelledError(f"the send to {recipient} was cancelled before delivery")
            if direct and self._state == RUNNING:
                # A task, so the token can cancel the handler without cancelling the sender.
                self._begin()
                task = asyncio.ensure_future(
                    self._handle(recipient, message, ctx, chain, tracer, None, None)
                )
                task.add_done_callback(lambda _: self._end())
                return await self._await_reply(task, ctx, recipient)
        elif self._state == RUNNING:
            if direct:
                self._begin()
                try:
                    return await self._handle(recipient, message, ctx, chain, tracer, None, None)
                finally:
                    self._end()
            if not mailbox.busy:
                # Idle mailbox: run the handler right here, in the sender's task.
                mailbox.busy = True
                self._begin()
                try:
                    return await self._handle(recipient, message, ctx, chain, tracer, None, mailbox)
                finally:
                    self._end()
                    if mailbox.queue:
                        self._spawn_worker(mailbox)
                    else:
                        mailbox.busy = False
        if self._state > RUNNING:
            # Stopped while an intervention handler was awaited: nothing would drain it.
            self._check_accepting("send a message")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        trace_context = current_trace_context() if tracer is not None else None
        self._enqueue(mailbox, Envelope(message, ctx, future, chain, trace_context))
        if not chain:
            return await self._await_reply(future, ctx, recipient)
        # Edges of the wait-for graph: every handler of this chain now waits on the mailbox.
        waiting = [frame for frame in chain if frame.active]
        for frame in waiting:
            frame.waits = (*frame.waits, mailbox)
        try:
            return await self._await_reply(future, ctx, recipient)
        finally:
            for frame in waiting:
                waits = list(frame.waits)
                waits.remove(mailbox)
                frame.waits = tuple(waits)

    async def _await_reply(
        self, future: asyncio.Future[Any], ctx: MessageContext, recipient: AgentId
    ) -> Any:
        token = ctx.cancellation_token
        if token is not None:
            token.link_future(future)
        try:
            return await future
        except asyncio.CancelledError:
            if token.is_cancelled():
                raise CancelledError(
                    f"the send to {recipient} was cancelled through its CancellationToken"
                ) from None
            raise

    async def publish_message(
        self,
        message: Any,
        topic_id: TopicId,
        *,
        sender: AgentId | None = None,
        cancellation_token: CancellationToken | None = None,
        message_id: str | None = None,
    ) -> None:
        """Queue ``message`` for every subscriber of ``topic_id`` except ``sender``.

        Returns once the message is queued; handler errors are logged (and re-raised
        from ``stop`` when ``ignore_unhandled_exceptions`` is false).
        """
        self._check_accepting("publish a message")
        if not isinstance(topic_id, TopicId):
            raise ConfigurationError(
                f"topic_id must be a TopicId, got {type(topic_id).__name__} {topic_id!r}; "
                "use TopicId(type, source) or DefaultTopicId()"
            )
        ctx = MessageContext(
            sender,
            topic_id,
            False,
            cancellation_token if cancellation_token is not None else CancellationToken(),
            message_id if message_id is not None else f"m{next(self._message_ids)}",
        )
        if self._interceptors:
            message = await intercept_publish(self._interceptors, message, ctx)
            if is_drop(message):
                return
        if self._serialize:
            message = self._serializers.round_trip(message)
        mailboxes = self._recipients.get(topic_id)
        if mailboxes is None:
            mailboxes = self._resolve_recipients(topic_id)
        tracer = get_runtime_tracer(self._tracer_provider) if self._tracing else None
        if tracer is None:
            self._fan_out(mailboxes, Envelope(message, ctx, None, (), None), sender)
            return
        with start_span(
            tracer,
            f"publish {topic_id.type}",
            kind="producer",
            attributes=messaging_attributes("publish", str(topic_id), message, ctx),
        ):
            envelope = Envelope(message, ctx, None, (), current_trace_context())
            self._fan_out(mailboxes, envelope, sender)

    # ------------------------------------------------------------------ serializers

    def add_message_serializer(
        self,
        serializer: MessageSerializer[Any]
        | type[Any]
        | Iterable[MessageSerializer[Any] | type[Any]],
    ) -> None:
        """Register serializers, or message classes to build serializers for."""
        items = (
            [serializer] if isinstance(serializer, (MessageSerializer, type)) else list(serializer)
        )
        for item in items:
            if isinstance(item, MessageSerializer):
                self._serializers.add_serializer(item)
            else:
                self._serializers.add_type(item)

    @property
    def serialization_registry(self) -> SerializationRegistry:
        """The serializers this runtime knows (used with ``serialize_messages``)."""
        return self._serializers
