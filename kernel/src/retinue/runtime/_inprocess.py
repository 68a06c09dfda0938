"""The embedded default runtime: every agent in this process, on one asyncio loop.

Concurrency model (see ``docs/runtime.md``):

* every agent instance has a mailbox; its messages are handled one at a time, in
  arrival order, so two handlers of one agent never interleave;
* different agents run concurrently;
* a send to an agent whose handler is awaiting further up the current call chain
  (A -> B -> A, or A -> A) runs at once, nested in that chain, instead of waiting
  in the mailbox behind the very handler that waits for it: no deadlock;
* agents whose class sets ``concurrent = True`` get no mailbox ordering: each message
  is handled as soon as it arrives.

When the recipient's mailbox is idle, a send runs the handler directly in the
sender's task (no queue, no task switch); otherwise it waits its turn in the mailbox.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel

from .._errors import (
    AgentCreationError,
    AgentNotFoundError,
    CancelledError,
    ConfigurationError,
    MessageDroppedError,
    RetinueError,
    RuntimeClosedError,
    SerializationError,
)
from ..cancellation import CancellationToken
from ..components import Component
from ..middleware import MessageInterceptor
from ..telemetry import current_trace_context, get_runtime_tracer, get_tracer, start_span
from ._agent import Agent, MessageContext, call_factory
from ._context import HandlerFrame, chain_contains, handler_chain, instantiation_context
from ._ids import AgentId, AgentMetadata, AgentType, TopicId
from ._intervention import is_drop
from ._runtime import AgentRuntime
from ._serialization import MessageSerializer, SerializationRegistry
from ._subscriptions import Subscription, TypePrefixSubscription, TypeSubscription

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Tracer, TracerProvider

__all__ = ["InProcessRuntime", "InProcessRuntimeConfig", "SingleThreadedAgentRuntime"]

logger = logging.getLogger(__name__)

AgentT = TypeVar("AgentT", bound=Agent)

_NEW, _RUNNING, _STOPPING, _STOPPED, _CLOSED = range(5)
_STATE_NAMES = {
    _NEW: "new",
    _RUNNING: "running",
    _STOPPING: "stopping",
    _STOPPED: "stopped",
    _CLOSED: "closed",
}
_STATE_VERSION = 1


class InProcessRuntimeConfig(BaseModel):
    """Config of :class:`InProcessRuntime` (provider ``inprocess``)."""

    ignore_unhandled_exceptions: bool = True
    serialize_messages: bool = False
    tracing: bool = True


class _Envelope:
    """A message waiting in a mailbox."""

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


class _Mailbox:
    """One agent's queue; ``busy`` while a handler of the agent runs or a worker drains it."""

    __slots__ = ("agent_id", "busy", "concurrent", "queue")

    def __init__(self, agent_id: AgentId) -> None:
        self.agent_id = agent_id
        self.queue: deque[_Envelope] = deque()
        self.busy = False
        self.concurrent = False


class InProcessRuntime(AgentRuntime, Component[InProcessRuntimeConfig]):
    """Runs agents in this process on the running asyncio loop (the default runtime).

    Args:
        intervention_handlers: interceptors that see every send, publish and reply
            (plugins add more through the ``retinue_message_interceptors`` hook).
        ignore_unhandled_exceptions: when false, an exception raised by a handler of a
            published message is re-raised from :meth:`stop` / :meth:`stop_when_idle`
            (it is always logged and recorded on the trace).
        serialize_messages: encode and decode every message and reply as a process
            boundary would, to check that they survive the gRPC runtime.
        tracer_provider: OpenTelemetry provider for this runtime's spans (default: the
            one :mod:`retinue.telemetry` uses).
        tracing: ``False`` turns this runtime's spans off.

    >>> runtime = InProcessRuntime()
    >>> runtime.start()
    >>> # await Echo.register(runtime, "echo", Echo)
    >>> # await runtime.send_message("hi", AgentId("echo", "default"))
    >>> # await runtime.stop_when_idle()
    """

    component_kind: ClassVar[str] = "runtime"
    component_provider: ClassVar[str | None] = "inprocess"
    component_config_schema = InProcessRuntimeConfig

    def __init__(
        self,
        *,
        intervention_handlers: Iterable[MessageInterceptor] | None = None,
        ignore_unhandled_exceptions: bool = True,
        serialize_messages: bool = False,
        tracer_provider: TracerProvider | None = None,
        tracing: bool = True,
    ) -> None:
        self._factories: dict[str, tuple[Callable[[], Any] | None, type[Any] | None]] = {}
        self._instances: dict[AgentId, Agent] = {}
        self._creating: dict[AgentId, asyncio.Future[Agent]] = {}
        self._mailboxes: dict[AgentId, _Mailbox] = {}
        self._subscriptions: dict[str, Subscription] = {}
        # Per topic, the mailboxes of its subscribers (cleared when subscriptions change).
        self._recipients: dict[TopicId, tuple[_Mailbox, ...]] = {}
        self._serializers = SerializationRegistry()
        self._workers: set[asyncio.Task[None]] = set()
        self._outstanding = 0
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._unhandled: list[BaseException] = []
        self._state = _NEW
        self._ignore_unhandled = ignore_unhandled_exceptions
        self._serialize = serialize_messages
        self._tracer_provider = tracer_provider
        self._tracing = tracing
        self._message_ids = itertools.count(1)
        self._interceptors: tuple[MessageInterceptor, ...] = (
            *(intervention_handlers or ()),
            *_plugin_message_interceptors(self),
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Begin delivering messages; messages queued before now are delivered."""
        if self._state == _CLOSED:
            raise RuntimeClosedError("this runtime is closed; create a new InProcessRuntime")
        if self._state == _RUNNING:
            raise ConfigurationError("the runtime is already running; call start() only once")
        if self._state == _STOPPING:
            raise ConfigurationError("the runtime is stopping; await stop() before start()")
        self._state = _RUNNING
        for mailbox in self._mailboxes.values():
            if mailbox.queue:
                mailbox.busy = True
                self._spawn_worker(mailbox)

    @property
    def is_running(self) -> bool:
        """Whether messages are being delivered."""
        return self._state == _RUNNING

    async def stop(self) -> None:
        """Finish running handlers; queued messages fail with ``RuntimeClosedError``."""
        if self._state != _RUNNING:
            return
        self._state = _STOPPING
        for mailbox in self._mailboxes.values():
            while mailbox.queue:
                self._drop_envelope(mailbox.agent_id, mailbox.queue.popleft())
        if self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)
            # A worker cancelled before its first step never removed itself.
            self._workers = {task for task in self._workers if not task.done()}
        self._state = _STOPPED
        self._raise_unhandled()

    async def stop_when_idle(self) -> None:
        """Wait until no message is queued or being handled, then stop."""
        if self._state != _RUNNING:
            if self._state == _NEW:
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
        if self._state == _CLOSED:
            return
        try:
            await self.stop()
        finally:
            self._state = _CLOSED
            for agent_id, agent in list(self._instances.items()):
                try:
                    await agent.close()
                except Exception:
                    logger.exception("closing agent %s failed", agent_id)

    async def __aenter__(self) -> InProcessRuntime:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ messaging

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
            message = await self._intercept_send(message, ctx, recipient)
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
                attributes=_messaging_attributes("send", str(recipient), message, ctx),
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
            for interceptor in self._interceptors:
                result = await interceptor.on_response(result, sender=recipient, recipient=sender)
                if is_drop(result):
                    raise MessageDroppedError(
                        f"the reply of agent {recipient} was dropped by intervention handler "
                        f"{type(interceptor).__name__}"
                    )
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
        direct = mailbox.concurrent or (bool(chain) and chain_contains(chain, recipient))
        if has_token:
            if ctx.cancellation_token.is_cancelled():
                raise CancelledError(f"the send to {recipient} was cancelled before delivery")
            if direct and self._state == _RUNNING:
                # A task, so the token can cancel the handler without cancelling the sender.
                self._begin()
                task = asyncio.ensure_future(
                    self._handle(recipient, message, ctx, chain, tracer, None)
                )
                task.add_done_callback(lambda _: self._end())
                return await self._await_reply(task, ctx, recipient)
        elif self._state == _RUNNING:
            if direct:
                self._begin()
                try:
                    return await self._handle(recipient, message, ctx, chain, tracer, None)
                finally:
                    self._end()
            if not mailbox.busy:
                # Idle mailbox: run the handler right here, in the sender's task.
                mailbox.busy = True
                self._begin()
                try:
                    return await self._handle(recipient, message, ctx, chain, tracer, None)
                finally:
                    self._end()
                    if mailbox.queue:
                        self._spawn_worker(mailbox)
                    else:
                        mailbox.busy = False
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        trace_context = current_trace_context() if tracer is not None else None
        self._enqueue(mailbox, _Envelope(message, ctx, future, chain, trace_context))
        return await self._await_reply(future, ctx, recipient)

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
            for interceptor in self._interceptors:
                message = await interceptor.on_publish(message, message_context=ctx)
                if is_drop(message):
                    logger.info(
                        "publish of message %s on %s dropped by %s",
                        ctx.message_id,
                        topic_id,
                        type(interceptor).__name__,
                    )
                    return
        if self._serialize:
            message = self._serializers.round_trip(message)
        mailboxes = self._recipients.get(topic_id)
        if mailboxes is None:
            mailboxes = self._resolve_recipients(topic_id)
        tracer = get_runtime_tracer(self._tracer_provider) if self._tracing else None
        if tracer is None:
            self._fan_out(mailboxes, _Envelope(message, ctx, None, (), None), sender)
            return
        with start_span(
            tracer,
            f"publish {topic_id.type}",
            kind="producer",
            attributes=_messaging_attributes("publish", str(topic_id), message, ctx),
        ):
            envelope = _Envelope(message, ctx, None, (), current_trace_context())
            self._fan_out(mailboxes, envelope, sender)

    def _fan_out(
        self, mailboxes: tuple[_Mailbox, ...], envelope: _Envelope, sender: AgentId | None
    ) -> None:
        # One envelope serves every recipient: nothing in it is per recipient.
        running = self._state == _RUNNING
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

    def _enqueue(self, mailbox: _Mailbox, envelope: _Envelope) -> None:
        self._begin()
        mailbox.queue.append(envelope)
        if not mailbox.busy:
            mailbox.busy = True
            if self._state == _RUNNING:
                self._spawn_worker(mailbox)

    def _spawn_worker(self, mailbox: _Mailbox) -> None:
        # Workers remove themselves from ``_workers`` when they finish (cheaper than a
        # done callback, which costs a loop callback per task).
        self._workers.add(asyncio.get_running_loop().create_task(self._drain(mailbox)))

    async def _drain(self, mailbox: _Mailbox) -> None:
        """Handle a mailbox's messages one by one until it is empty (one task per burst)."""
        queue = mailbox.queue
        recipient = mailbox.agent_id
        try:
            while queue and self._state == _RUNNING:
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
            if queue and self._state == _RUNNING:
                # Only reached if the worker itself was cancelled mid-burst; keep going.
                self._spawn_worker(mailbox)
            else:
                mailbox.busy = False

    async def _run_one(self, recipient: AgentId, envelope: _Envelope) -> None:
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
                attributes={
                    **_messaging_attributes("process", str(recipient), message, ctx),
                    "retinue.agent.class": type(agent).__qualname__,
                    "retinue.sender": str(ctx.sender) if ctx.sender is not None else "",
                },
            ):
                return await agent.on_message(message, ctx)
        finally:
            frame.active = False
            handler_chain.reset(reset)

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

    def _check_accepting(self, what: str) -> None:
        if self._state > _RUNNING:
            raise RuntimeClosedError(
                f"cannot {what}: the runtime is {_STATE_NAMES[self._state]}; "
                "call start() again (or create a new runtime after close())"
            )

    def _drop_envelope(self, recipient: AgentId, envelope: _Envelope) -> None:
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

    def _report_unhandled(self, recipient: AgentId, envelope: _Envelope, exc: Exception) -> None:
        logger.error(
            "agent %s raised %s handling published message %s on %s",
            recipient,
            type(exc).__name__,
            envelope.ctx.message_id,
            envelope.ctx.topic_id,
            exc_info=exc,
        )
        self._unhandled.append(exc)

    def _raise_unhandled(self) -> None:
        errors, self._unhandled = self._unhandled, []
        if errors and not self._ignore_unhandled:
            raise errors[0]

    async def _intercept_send(self, message: Any, ctx: MessageContext, recipient: AgentId) -> Any:
        for interceptor in self._interceptors:
            message = await interceptor.on_send(message, message_context=ctx, recipient=recipient)
            if is_drop(message):
                raise MessageDroppedError(
                    f"the message to {recipient} was dropped by intervention handler "
                    f"{type(interceptor).__name__}"
                )
        return message

    # ------------------------------------------------------------------ agents

    def _not_found_message(self, agent_id: AgentId) -> str:
        entry = self._factories.get(agent_id.type)
        if entry is not None:
            keys = sorted(a.key for a in self._instances if a.type == agent_id.type)
            return (
                f"recipient not found: agent type {agent_id.type!r} has only registered "
                f"instances {keys}, none with key {agent_id.key!r}"
            )
        known = ", ".join(sorted(self._factories)) or "none"
        return (
            f"recipient not found: no agent type {agent_id.type!r} is registered "
            f"(registered: {known}); register it with Agent.register(runtime, "
            f"{agent_id.type!r}, factory) first"
        )

    async def _get_agent(self, agent_id: AgentId) -> Agent:
        agent = self._instances.get(agent_id)
        if agent is not None:
            return agent
        pending = self._creating.get(agent_id)
        if pending is not None:
            return await asyncio.shield(pending)
        entry = self._factories.get(agent_id.type)
        if entry is None or entry[0] is None:
            raise AgentNotFoundError(self._not_found_message(agent_id))
        factory, expected_class = entry[0], entry[1]
        creating: asyncio.Future[Agent] = asyncio.get_running_loop().create_future()
        self._creating[agent_id] = creating
        try:
            agent = await self._create_agent(agent_id, factory, expected_class)
        except BaseException as exc:
            creating.set_exception(exc)
            creating.exception()  # retrieved here, so no "never retrieved" warning
            raise
        finally:
            del self._creating[agent_id]
        self._instances[agent_id] = agent
        mailbox = self._mailbox(agent_id)
        mailbox.concurrent = bool(getattr(agent, "concurrent", False))
        creating.set_result(agent)
        return agent

    async def _create_agent(
        self, agent_id: AgentId, factory: Callable[[], Any], expected_class: type[Any] | None
    ) -> Agent:
        tracer = get_runtime_tracer(self._tracer_provider) if self._tracing else None
        reset = instantiation_context.set((self, agent_id))
        try:
            with start_span(
                tracer,
                f"create {agent_id}",
                kind="internal",
                attributes={
                    "messaging.system": "retinue",
                    "messaging.operation.type": "create",
                    "messaging.destination.name": str(agent_id),
                },
            ):
                agent = await call_factory(factory)
        except RetinueError as exc:
            if isinstance(exc, AgentCreationError):
                raise
            raise AgentCreationError(
                f"creating agent {agent_id} failed: its factory raised {type(exc).__name__}: {exc}"
            ) from exc
        except Exception as exc:
            raise AgentCreationError(
                f"creating agent {agent_id} failed: its factory raised "
                f"{type(exc).__name__}: {exc}; fix the factory registered for "
                f"type {agent_id.type!r}"
            ) from exc
        finally:
            instantiation_context.reset(reset)
        if expected_class is not None and not isinstance(agent, expected_class):
            raise AgentCreationError(
                f"the factory for agent type {agent_id.type!r} returned a "
                f"{type(agent).__name__}, expected a {expected_class.__name__}"
            )
        if not callable(getattr(agent, "on_message", None)):
            raise AgentCreationError(
                f"the factory for agent type {agent_id.type!r} returned {agent!r}, "
                "which is not an agent (no on_message)"
            )
        await agent.bind_id_and_runtime(agent_id, self)
        return agent  # type: ignore[no-any-return]

    async def register_factory(
        self,
        type: str | AgentType,
        agent_factory: Callable[[], AgentT | Awaitable[AgentT]],
        *,
        expected_class: type[AgentT] | None = None,
    ) -> AgentType:
        """Register ``agent_factory`` for agents of ``type``."""
        name = type.type if isinstance(type, AgentType) else type
        AgentId(name, "default")  # validates the type name
        if name in self._factories:
            raise ConfigurationError(
                f"agent type {name!r} is already registered; use another type name"
            )
        if not callable(agent_factory):
            raise ConfigurationError(
                f"the factory for agent type {name!r} must be callable, got {agent_factory!r}"
            )
        self._factories[name] = (agent_factory, expected_class)
        self._recipients.clear()
        return AgentType(name)

    async def register_agent_instance(self, agent_instance: Agent, agent_id: AgentId) -> AgentId:
        """Register ``agent_instance`` as ``agent_id`` (several keys of one type are fine)."""
        entry = self._factories.get(agent_id.type)
        if entry is not None and entry[0] is not None:
            raise ConfigurationError(
                f"agent type {agent_id.type!r} already has a factory; register the instance "
                "under another type"
            )
        if agent_id in self._instances:
            raise ConfigurationError(f"an agent instance is already registered as {agent_id}")
        await agent_instance.bind_id_and_runtime(agent_id, self)
        self._factories[agent_id.type] = (None, None)
        self._instances[agent_id] = agent_instance
        mailbox = self._mailbox(agent_id)
        mailbox.concurrent = bool(getattr(agent_instance, "concurrent", False))
        self._recipients.clear()
        return agent_id

    async def try_get_underlying_agent_instance(
        self,
        id: AgentId,
        type: type[AgentT] = Agent,  # type: ignore[assignment]
    ) -> AgentT:
        """The agent object behind ``id`` (created if needed), checked against ``type``."""
        if id.type not in self._factories:
            raise AgentNotFoundError(self._not_found_message(id))
        agent = await self._get_agent(id)
        if not isinstance(agent, type):
            raise ConfigurationError(
                f"agent {id} is a {agent.__class__.__name__}, not a {type.__name__}"
            )
        return agent

    async def get(
        self, id_or_type: AgentId | AgentType | str, /, key: str = "default", *, lazy: bool = True
    ) -> AgentId:
        """The id of an agent of a registered type; ``lazy=False`` creates it now."""
        if isinstance(id_or_type, AgentId):
            agent_id = id_or_type
        elif isinstance(id_or_type, AgentType):
            agent_id = AgentId(id_or_type.type, key)
        else:
            agent_id = AgentId(id_or_type, key)
        if agent_id.type not in self._factories:
            raise AgentNotFoundError(self._not_found_message(agent_id))
        if not lazy:
            await self._get_agent(agent_id)
        return agent_id

    async def _existing_type_agent(self, agent_id: AgentId) -> Agent:
        if agent_id.type not in self._factories:
            raise AgentNotFoundError(self._not_found_message(agent_id))
        return await self._get_agent(agent_id)

    async def agent_metadata(self, agent: AgentId) -> AgentMetadata:
        return (await self._existing_type_agent(agent)).metadata

    async def agent_save_state(self, agent: AgentId) -> Mapping[str, Any]:
        instance = await self._existing_type_agent(agent)
        state: Mapping[str, Any] = _checked_json(
            await instance.save_state(), f"the state of agent {agent}"
        )
        return state

    async def agent_load_state(self, agent: AgentId, state: Mapping[str, Any]) -> None:
        await (await self._existing_type_agent(agent)).load_state(state)

    # ------------------------------------------------------------------ state

    async def save_state(self) -> dict[str, Any]:
        """State of every agent created so far, plus subscriptions added at run time.

        The result is JSON-compatible (checked here); call it when the runtime is idle.
        """
        agents: dict[str, Any] = {}
        for agent_id, agent in list(self._instances.items()):
            agents[str(agent_id)] = _checked_json(
                await agent.save_state(), f"the state of agent {agent_id}"
            )
        subscriptions = [_dump_subscription(s) for s in self._subscriptions.values()]
        return {
            "version": _STATE_VERSION,
            "agents": agents,
            "subscriptions": [s for s in subscriptions if s is not None],
        }

    async def load_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`save_state` output (AutoGen's flat ``{agent_id: state}`` also works).

        Agent types must be registered first; agents are created and handed their state.
        """
        if not isinstance(state, Mapping):
            raise SerializationError(f"runtime state must be a mapping, got {type(state).__name__}")
        if "agents" in state and "version" in state:
            agents = state["agents"]
            for item in state.get("subscriptions", ()):
                subscription = _load_subscription(item)
                if subscription.id not in self._subscriptions and not any(
                    subscription == existing for existing in self._subscriptions.values()
                ):
                    await self.add_subscription(subscription)
        else:
            agents = state
        for key, agent_state in agents.items():
            agent_id = AgentId.from_str(key)
            if agent_id.type not in self._factories:
                raise AgentNotFoundError(
                    f"cannot load the state of {agent_id}: {self._not_found_message(agent_id)}"
                )
            agent = await self._get_agent(agent_id)
            await agent.load_state(agent_state)

    # ------------------------------------------------------------------ subscriptions

    async def add_subscription(self, subscription: Subscription) -> None:
        """Deliver matching publishes to ``subscription``'s agents from now on."""
        if not isinstance(subscription, Subscription):
            raise ConfigurationError(f"expected a Subscription, got {type(subscription).__name__}")
        if subscription.id in self._subscriptions or any(
            subscription == existing for existing in self._subscriptions.values()
        ):
            raise ConfigurationError(f"subscription {subscription!r} already exists")
        self._subscriptions[subscription.id] = subscription
        self._recipients.clear()

    async def remove_subscription(self, id: str) -> None:
        """Stop delivering for the subscription ``id``."""
        if self._subscriptions.pop(id, None) is None:
            raise ConfigurationError(
                f"no subscription with id {id!r}; known ids: {sorted(self._subscriptions)}"
            )
        self._recipients.clear()

    def _resolve_recipients(self, topic_id: TopicId) -> tuple[_Mailbox, ...]:
        recipients: list[AgentId] = []
        for subscription in self._subscriptions.values():
            if not subscription.is_match(topic_id):
                continue
            agent_id = subscription.map_to_agent(topic_id)
            entry = self._factories.get(agent_id.type)
            if entry is None or (entry[0] is None and agent_id not in self._instances):
                logger.warning(
                    "subscription %r matches topic %s but agent %s is not registered; skipped",
                    subscription,
                    topic_id,
                    agent_id,
                )
                continue
            if agent_id not in recipients:
                recipients.append(agent_id)
        result = tuple(self._mailbox(agent_id) for agent_id in recipients)
        self._recipients[topic_id] = result
        return result

    def _mailbox(self, agent_id: AgentId) -> _Mailbox:
        mailbox = self._mailboxes.get(agent_id)
        if mailbox is None:
            mailbox = self._mailboxes[agent_id] = _Mailbox(agent_id)
        return mailbox

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

    # ------------------------------------------------------------------ component

    def _to_config(self) -> InProcessRuntimeConfig:
        return InProcessRuntimeConfig(
            ignore_unhandled_exceptions=self._ignore_unhandled,
            serialize_messages=self._serialize,
            tracing=self._tracing,
        )

    @classmethod
    def _from_config(cls, config: InProcessRuntimeConfig) -> InProcessRuntime:
        return cls(
            ignore_unhandled_exceptions=config.ignore_unhandled_exceptions,
            serialize_messages=config.serialize_messages,
            tracing=config.tracing,
        )


SingleThreadedAgentRuntime = InProcessRuntime
"""AutoGen's name for the in-process runtime, for migrating code."""


def _messaging_attributes(
    operation: str, destination: str, message: Any, ctx: MessageContext
) -> dict[str, Any]:
    return {
        "messaging.system": "retinue",
        "messaging.operation.type": operation,
        "messaging.destination.name": destination,
        "messaging.message.id": ctx.message_id,
        "retinue.message.type": f"{type(message).__module__}.{type(message).__qualname__}",
    }


def _checked_json(state: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(state, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise SerializationError(
            f"{what} is not JSON-compatible ({exc}); return only dicts, lists, strings, "
            "numbers, booleans and None from save_state()"
        ) from exc


def _dump_subscription(subscription: Subscription) -> dict[str, str] | None:
    if isinstance(subscription, TypeSubscription):
        return {
            "kind": "type",
            "id": subscription.id,
            "topic_type": subscription.topic_type,
            "agent_type": subscription.agent_type,
        }
    if isinstance(subscription, TypePrefixSubscription):
        return {
            "kind": "type_prefix",
            "id": subscription.id,
            "topic_type_prefix": subscription.topic_type_prefix,
            "agent_type": subscription.agent_type,
        }
    logger.warning(
        "subscription %r is not saved: only type and prefix subscriptions are", subscription
    )
    return None


def _load_subscription(item: Mapping[str, str]) -> Subscription:
    try:
        if item["kind"] == "type":
            return TypeSubscription(item["topic_type"], item["agent_type"], id=item["id"])
        if item["kind"] == "type_prefix":
            return TypePrefixSubscription(
                item["topic_type_prefix"], item["agent_type"], id=item["id"]
            )
    except (KeyError, TypeError) as exc:
        raise SerializationError(f"invalid saved subscription {item!r}: missing {exc}") from exc
    raise SerializationError(f"invalid saved subscription {item!r}: unknown kind")


def _plugin_message_interceptors(runtime: InProcessRuntime) -> list[MessageInterceptor]:
    """Interceptors contributed by plugins through ``retinue_message_interceptors``."""
    from .._instrument import collect_interceptors

    return collect_interceptors("message", runtime)
