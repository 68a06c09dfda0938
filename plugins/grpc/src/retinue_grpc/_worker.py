"""A worker of the distributed runtime: hosts some agent types, reaches all others via the host.

:class:`GrpcWorkerAgentRuntime` is the in-process runtime with a wire underneath.
Every send and publish goes to the host (as in AutoGen, also for agents of this
worker), and what the host delivers is handed to the in-process machinery, which
keeps its guarantees for this worker's agents: lazy creation per ``AgentId``, one
handler at a time per agent in arrival order, crossed call chains that never
deadlock, bounded ``stop``.  A call chain that crosses the wire carries its
``retinue-chain`` metadata, so a request coming back to an agent that awaits
further up its own chain runs nested instead of queueing behind itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import grpc
from pydantic import BaseModel, Field, SecretStr
from retinue import (
    CancelledError,
    CantHandleError,
    ConfigurationError,
    RuntimeClosedError,
    SerializationError,
)
from retinue.cancellation import CancellationToken
from retinue.middleware import MessageInterceptor
from retinue.runtime import (
    Agent,
    AgentId,
    AgentMetadata,
    AgentType,
    InProcessRuntime,
    MessageContext,
    Subscription,
    TopicId,
    UnknownPayload,
)
from retinue.runtime._context import HandlerFrame, handler_chain
from retinue.runtime._intervention import (
    intercept_publish,
    intercept_response,
    intercept_send,
    is_drop,
)

from . import _wire
from ._channel import DEFAULT_MAX_MESSAGE_BYTES, grpc_options, read_pem
from ._errors import HostAuthenticationError, HostConnectionError
from ._protos import agent_worker_pb2 as pb, agent_worker_pb2_grpc as pb_grpc

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

__all__ = ["GrpcWorkerAgentRuntime", "GrpcWorkerAgentRuntimeConfig"]

logger = logging.getLogger(__name__)

# The chain tokens of the request whose handler runs in this context.
_wire_chain: ContextVar[tuple[str, ...]] = ContextVar("retinue_grpc_chain", default=())


class GrpcWorkerAgentRuntimeConfig(BaseModel):
    """Config of :class:`GrpcWorkerAgentRuntime` (provider ``grpc``)."""

    host_address: str = "127.0.0.1:50051"
    token: SecretStr | None = None
    tls_root_certificates: Path | None = None
    max_message_bytes: int = Field(default=DEFAULT_MAX_MESSAGE_BYTES, gt=0)
    connect_timeout: float = Field(default=10.0, gt=0)
    reconnect_initial_backoff: float = Field(default=0.1, gt=0)
    reconnect_max_backoff: float = Field(default=5.0, gt=0)
    ignore_unhandled_exceptions: bool = True
    stop_grace_period: float = Field(default=5.0, ge=0)
    tracing: bool = True


@dataclass
class _Pending:
    """A request this worker sent and awaits the reply of."""

    future: asyncio.Future[pb.RpcResponse]
    chain: tuple[HandlerFrame, ...]
    # The agent the request went to (None for the runtime's own calls).
    target: AgentId | None = None


class _Connection:
    """One open ``OpenChannel`` stream and the tasks that feed and drain it."""

    def __init__(self, channel: grpc.aio.Channel, stub: Any, call: Any, retinue_host: bool) -> None:
        self.channel = channel
        self.stub = stub
        self.call = call
        self.retinue_host = retinue_host
        self.write_lock = asyncio.Lock()


class GrpcWorkerAgentRuntime(InProcessRuntime):
    """Runs this process's agents and reaches every other agent through a host.

    Args:
        host_address: ``host:port`` of a :class:`GrpcWorkerAgentRuntimeHost` (or of
            an AutoGen 0.7.5 host).
        token: the host's shared secret, sent as ``authorization: Bearer <token>``.
        tls_root_certificates: PEM file of the CA that signed the host's certificate;
            turns TLS on.
        max_message_bytes: largest frame sent or accepted; a bigger message is refused
            with :class:`~retinue.SerializationError` before it is sent.
        connect_timeout: how long a send waits for the host before it fails with
            :class:`~retinue_grpc.HostConnectionError`.
        reconnect_initial_backoff, reconnect_max_backoff: the worker reconnects to a
            lost host with exponential backoff between these bounds, then registers
            its agent types and subscriptions again.
        intervention_handlers, ignore_unhandled_exceptions, stop_grace_period,
            tracer_provider, tracing: as for :class:`~retinue.runtime.InProcessRuntime`.

    ``start()`` connects in the background; ``await runtime.connect()`` waits for it
    (and raises if the host is not there).  ``async with`` does both.
    """

    component_provider: ClassVar[str | None] = "grpc"
    component_config_schema = GrpcWorkerAgentRuntimeConfig  # type: ignore[assignment]

    def __init__(
        self,
        host_address: str = "127.0.0.1:50051",
        *,
        token: str | SecretStr | None = None,
        tls_root_certificates: str | Path | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        connect_timeout: float = 10.0,
        reconnect_initial_backoff: float = 0.1,
        reconnect_max_backoff: float = 5.0,
        extra_grpc_config: Sequence[tuple[str, Any]] | None = None,
        intervention_handlers: Iterable[MessageInterceptor] | None = None,
        ignore_unhandled_exceptions: bool = True,
        stop_grace_period: float = 5.0,
        tracer_provider: TracerProvider | None = None,
        tracing: bool = True,
    ) -> None:
        super().__init__(
            intervention_handlers=intervention_handlers,
            ignore_unhandled_exceptions=ignore_unhandled_exceptions,
            stop_grace_period=stop_grace_period,
            tracer_provider=tracer_provider,
            tracing=tracing,
        )
        if max_message_bytes <= 0 or connect_timeout <= 0:
            raise ConfigurationError("max_message_bytes and connect_timeout must be positive")
        if not 0 < reconnect_initial_backoff <= reconnect_max_backoff:
            raise ConfigurationError(
                "reconnect backoff must satisfy 0 < reconnect_initial_backoff <= "
                "reconnect_max_backoff"
            )
        # Interceptors run once, on the sending side; the in-process layer below only
        # delivers what already went through them.
        self._wire_interceptors, self._interceptors = self._interceptors, ()
        self._host_address = host_address
        self._token = SecretStr(token) if isinstance(token, str) else token
        self._root_certificates = (
            Path(tls_root_certificates) if tls_root_certificates is not None else None
        )
        self._max_bytes = max_message_bytes
        self._connect_timeout = connect_timeout
        self._backoff = (reconnect_initial_backoff, reconnect_max_backoff)
        self._extra_options = list(extra_grpc_config or [])
        self._client_id = str(uuid.uuid4())
        self._request_ids = itertools.count(1)
        # AutoGen's host keys a routed request by the sender's id alone, so ids carry a
        # per-worker prefix: two workers' requests never collide there.
        self._request_prefix = self._client_id.replace("-", "")[:12]
        self._pending: dict[str, _Pending] = {}
        self._serving: dict[str, CancellationToken] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._connection: _Connection | None = None
        self._connected: asyncio.Event | None = None
        self._connect_error: Exception | None = None
        self._supervisor: asyncio.Task[None] | None = None
        # Frames read and written, so stop_when_idle can tell whether work moved.
        self._received = 0
        self._sent = 0
        # Publishes made before start(), sent in order once connected.
        self._unsent: list[pb.Message] = []
        self._closing = False

    # ------------------------------------------------------------------ config

    def _to_config(self) -> GrpcWorkerAgentRuntimeConfig:  # type: ignore[override]
        return GrpcWorkerAgentRuntimeConfig(
            host_address=self._host_address,
            token=self._token,
            tls_root_certificates=self._root_certificates,
            max_message_bytes=self._max_bytes,
            connect_timeout=self._connect_timeout,
            reconnect_initial_backoff=self._backoff[0],
            reconnect_max_backoff=self._backoff[1],
            ignore_unhandled_exceptions=self._ignore_unhandled,
            stop_grace_period=self._grace,
            tracing=self._tracing,
        )

    @classmethod
    def _from_config(cls, config: GrpcWorkerAgentRuntimeConfig) -> GrpcWorkerAgentRuntime:  # type: ignore[override]
        return cls(
            config.host_address,
            token=config.token,
            tls_root_certificates=config.tls_root_certificates,
            max_message_bytes=config.max_message_bytes,
            connect_timeout=config.connect_timeout,
            reconnect_initial_backoff=config.reconnect_initial_backoff,
            reconnect_max_backoff=config.reconnect_max_backoff,
            ignore_unhandled_exceptions=config.ignore_unhandled_exceptions,
            stop_grace_period=config.stop_grace_period,
            tracing=config.tracing,
        )

    # ------------------------------------------------------------------ connection

    @property
    def client_id(self) -> str:
        """This worker's ``client-id`` on the wire."""
        return self._client_id

    def start(self) -> None:
        """Begin delivering, and connect to the host in the background (with retries)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise ConfigurationError(
                "GrpcWorkerAgentRuntime.start() needs a running event loop; call it from async code"
            ) from None
        super().start()
        if self._supervisor is None:
            self._connected = asyncio.Event()
            self._supervisor = asyncio.ensure_future(self._stay_connected())

    async def connect(self, timeout: float | None = None) -> None:
        """Wait until the host accepted this worker (starting the runtime if needed).

        Raises:
            HostConnectionError: no host answered within ``timeout`` seconds (default:
                ``connect_timeout``).
            HostAuthenticationError: the host refused the token.
        """
        if self._supervisor is None:
            self.start()
        await self._wait_connected(timeout)

    async def _wait_connected(self, timeout: float | None = None) -> _Connection:
        connection = self._connection
        if connection is not None and self._connected is not None and self._connected.is_set():
            return connection
        if self._connect_error is not None and isinstance(
            self._connect_error, HostAuthenticationError
        ):
            raise self._connect_error
        if self._connected is None:
            raise RuntimeClosedError(
                "the worker is not started; call runtime.start() (or await runtime.connect())"
            )
        try:
            await asyncio.wait_for(self._connected.wait(), timeout or self._connect_timeout)
        except asyncio.TimeoutError:
            reason = f": {self._connect_error}" if self._connect_error is not None else ""
            raise HostConnectionError(
                f"no gRPC host answered at {self._host_address[:200]} within "
                f"{timeout or self._connect_timeout:g} s{reason}; start one with "
                "`retinue grpc host` or fix host_address"
            ) from None
        if self._connection is None:
            raise self._connect_error or HostConnectionError("the connection to the host closed")
        return self._connection

    async def _stay_connected(self) -> None:
        initial, maximum = self._backoff
        delay = initial
        assert self._connected is not None
        while not self._closing:
            try:
                connection = await self._open()
            except HostAuthenticationError as exc:
                self._connect_error = exc
                self._connected.set()  # wake waiters: they raise the refusal
                logger.error("%s", exc)
                return
            except (grpc.aio.AioRpcError, HostConnectionError, ConfigurationError) as exc:
                self._connect_error = exc if isinstance(exc, Exception) else None
                logger.info(
                    "host at %s not reachable (%s); retrying in %.2g s",
                    self._host_address,
                    _rpc_text(exc),
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, maximum)
                continue
            delay = initial
            self._connect_error = None
            unsent, self._unsent = self._unsent, []
            for event in unsent:
                await connection.call.write(event)
            self._connection = connection
            self._connected.set()
            logger.info("connected to host %s as %s", self._host_address, self._client_id)
            await self._read(connection)
            self._connected.clear()
            self._connection = None
            await connection.channel.close(None)
            self._fail_pending(
                HostConnectionError(
                    f"lost the connection to the host at {self._host_address[:200]} before the "
                    "reply came; the worker reconnects by itself, send again"
                )
            )
            if not self._closing:
                await asyncio.sleep(delay)

    async def _open(self) -> _Connection:
        options = grpc_options(self._max_bytes, self._extra_options)
        root = read_pem(self._root_certificates, "TLS root certificates")
        if self._root_certificates is not None:
            channel = grpc.aio.secure_channel(
                self._host_address,
                grpc.ssl_channel_credentials(root_certificates=root),
                options=options,
            )
        else:
            channel = grpc.aio.insecure_channel(self._host_address, options=options)
        stub = pb_grpc.AgentRpcStub(channel)
        try:
            # A unary call first: it checks the token and tells a retinue host apart.
            probe = stub.GetSubscriptions(pb.GetSubscriptionsRequest(), metadata=self._metadata())
            await probe
            headers = await probe.initial_metadata()
            retinue_host = any(key == _wire.HOST_MARKER for key, _ in (headers or ()))
            call = stub.OpenChannel(metadata=self._metadata())
            await call.wait_for_connection()
            connection = _Connection(channel, stub, call, retinue_host)
            # Registered again on every connection: a restarted host knows nothing.
            for agent_type in list(self._factories):
                await self._refused_is_logged(self._register_type(connection, agent_type))
            for subscription in list(self._subscriptions.values()):
                await self._refused_is_logged(self._add_host_subscription(connection, subscription))
        except grpc.aio.AioRpcError as exc:
            await channel.close(None)
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise HostAuthenticationError(
                    f"the host at {self._host_address[:200]} refused this worker: "
                    f"{(exc.details() or '')[:300]}"
                ) from None
            raise
        except BaseException:
            await channel.close(None)
            raise
        return connection

    @staticmethod
    async def _refused_is_logged(call: Awaitable[None]) -> None:
        try:
            await call
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.INVALID_ARGUMENT:
                raise
            logger.error("the host refused a registration: %s", (exc.details() or "")[:300])

    def _metadata(self) -> list[tuple[str, str]]:
        metadata = [(_wire.CLIENT_ID, self._client_id)]
        if self._token is not None:
            metadata.append((_wire.AUTHORIZATION, f"Bearer {self._token.get_secret_value()}"))
        return metadata

    async def _unary(self, method: Any, request: Any) -> None:
        if self._supervisor is None:
            return  # not started: registered when the connection opens
        connection = await self._wait_connected()
        try:
            await getattr(connection.stub, method)(request, metadata=self._metadata())
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
                raise ConfigurationError(
                    f"the host refused it: {(exc.details() or '')[:300]}"
                ) from None
            raise HostConnectionError(
                f"the host at {self._host_address[:200]} did not answer {method}: {_rpc_text(exc)}"
            ) from None

    async def _register_type(self, connection: _Connection, agent_type: str) -> None:
        await connection.stub.RegisterAgent(
            pb.RegisterAgentTypeRequest(type=agent_type), metadata=self._metadata()
        )

    async def _add_host_subscription(
        self, connection: _Connection, subscription: Subscription
    ) -> None:
        await connection.stub.AddSubscription(
            pb.AddSubscriptionRequest(subscription=_wire.subscription_to_proto(subscription)),
            metadata=self._metadata(),
        )

    async def _write(self, message: pb.Message) -> None:
        connection = await self._wait_connected()
        size = message.ByteSize()
        if size > self._max_bytes:
            raise SerializationError(
                f"the message is {size} bytes, over max_message_bytes={self._max_bytes}; send "
                "less per message or raise the limit on the host and every worker"
            )
        try:
            async with connection.write_lock:
                await connection.call.write(message)
                self._sent += 1
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError) as exc:
            raise HostConnectionError(
                f"lost the connection to the host at {self._host_address[:200]}: {_rpc_text(exc)}"
            ) from None

    async def _read(self, connection: _Connection) -> None:
        call = connection.call
        try:
            while True:
                message = await call.read()
                if message is grpc.aio.EOF:
                    logger.warning("the host at %s closed the channel", self._host_address)
                    return
                self._received += 1
                self._dispatch(message)
        except grpc.aio.AioRpcError as exc:
            logger.warning("connection to host %s lost: %s", self._host_address, _rpc_text(exc))

    def _dispatch(self, message: pb.Message) -> None:
        kind = message.WhichOneof("message")
        if kind == "response":
            pending = self._pending.pop(message.response.request_id, None)
            if pending is not None and not pending.future.done():
                pending.future.set_result(message.response)
        elif kind == "request":
            request = message.request
            if request.method == _wire.METHOD_CANCEL:
                token = self._serving.get(request.request_id)
                if token is not None:
                    token.cancel()
                return
            self._spawn(self._serve_request(request))
        elif kind == "cloudEvent":
            self._spawn(self._serve_event(message))
        else:
            logger.warning("the host sent an empty message; ignored")

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ serving the host

    async def _serve_request(self, request: pb.RpcRequest) -> None:
        request_id = request.request_id
        try:
            reply = await self._answer(request)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                exc = CancelledError(f"the handler for request {request_id[:50]} was cancelled")
            response = _wire.encode_error(request_id, exc)
        else:
            response = pb.Message(response=reply)
        try:
            await self._write(response)
        except Exception as exc:
            logger.warning("could not send the reply to request %s: %s", request_id[:50], exc)

    async def _answer(self, request: pb.RpcRequest) -> pb.RpcResponse:
        recipient = AgentId(request.target.type, request.target.key)
        method = request.method
        request_id = request.request_id
        if method == _wire.METHOD_METADATA:
            metadata = await super().agent_metadata(recipient)
            return _json_response(
                request_id,
                {"type": metadata.type, "key": metadata.key, "description": metadata.description},
            )
        if method == _wire.METHOD_SAVE_STATE:
            return _json_response(request_id, dict(await super().agent_save_state(recipient)))
        if method == _wire.METHOD_LOAD_STATE:
            state = json.loads(request.payload.data or b"null")
            await super().agent_load_state(recipient, state)
            return _json_response(request_id, None)
        if method:
            raise ConfigurationError(
                f"unknown method {method[:100]!r}; this worker speaks retinue-grpc"
            )
        message = _wire.decode_payload(self._serializers, request.payload)
        sender = (
            AgentId(request.source.type, request.source.key) if request.HasField("source") else None
        )
        chain_tokens = tuple(request.metadata.get(_wire.CALL_CHAIN, "").split())
        token = CancellationToken()
        self._serving[request_id] = token
        chain_reset = handler_chain.set(
            self._local_chain(chain_tokens) or self._crossed_chain(recipient, sender)
        )
        wire_reset = _wire_chain.set(chain_tokens)
        try:
            result = await super().send_message(
                message, recipient, sender=sender, cancellation_token=token, message_id=request_id
            )
        except CantHandleError:
            if not isinstance(message, UnknownPayload):
                raise
            # The kernel's text would name UnknownPayload; the sender needs the wire type.
            raise CantHandleError(
                f"agent {recipient} got a message of type {message.type_name[:200]!r}, which "
                "its worker has no serializer for; register the class there (a handler for "
                "it, or runtime.add_message_serializer) under that name"
            ) from None
        finally:
            handler_chain.reset(chain_reset)
            _wire_chain.reset(wire_reset)
            self._serving.pop(request_id, None)
        try:
            payload = _wire.encode_payload(self._serializers, result)
        except SerializationError as exc:
            raise SerializationError(
                f"the reply of agent {recipient} to {request.payload.data_type[:100]} cannot be "
                f"serialized: {exc}"
            ) from None
        return pb.RpcResponse(request_id=request_id, payload=payload)

    def _local_chain(self, tokens: tuple[str, ...]) -> tuple[HandlerFrame, ...]:
        # The innermost send of this worker that the request is nested in: its handler
        # frames are the ones awaiting further up this chain.
        prefix = f"{self._client_id}:"
        for token in reversed(tokens):
            if token.startswith(prefix):
                pending = self._pending.get(token[len(prefix) :])
                if pending is not None:
                    return pending.chain
        return ()

    def _crossed_chain(
        self, recipient: AgentId, sender: AgentId | None
    ) -> tuple[HandlerFrame, ...]:
        # A crossed chain split across workers: a handler of the recipient awaits a send
        # to the very agent whose handler now awaits this request.  Each worker's
        # wait-for graph sees only its own half of that cycle, so the edge is read off
        # the wire: the request's sender is the target of the recipient's pending send.
        # Handing the kernel that send's chain runs the request nested, as in process.
        if sender is None:
            return ()
        for pending in self._pending.values():
            if pending.target == sender and any(
                frame.active and frame.agent_id == recipient for frame in pending.chain
            ):
                return pending.chain
        return ()

    async def _serve_event(self, message: pb.Message) -> None:
        event = message.cloudEvent
        try:
            topic = TopicId(event.type, event.source)
            payload = _wire.event_payload(event)
            decoded = _wire.decode_payload(self._serializers, payload)
            await super().publish_message(
                decoded, topic, sender=_wire.event_sender(event), message_id=event.id or None
            )
        except Exception as exc:
            logger.warning("dropped a published message: %s", exc)

    # ------------------------------------------------------------------ sending

    async def send_message(
        self,
        message: Any,
        recipient: AgentId,
        *,
        sender: AgentId | None = None,
        cancellation_token: CancellationToken | None = None,
        message_id: str | None = None,
    ) -> Any:
        """Send ``message`` to ``recipient`` (on any worker) and return its handler's reply.

        Raises what :meth:`InProcessRuntime.send_message` raises (the remote handler's
        exception is rebuilt when it is a builtin or retinue error), plus
        :class:`~retinue_grpc.HostConnectionError` when the host or the recipient's
        worker is gone, and :class:`~retinue.SerializationError` for a message or reply
        that cannot cross the wire.
        """
        self._check_accepting("send a message")
        if not isinstance(recipient, AgentId):
            raise ConfigurationError(
                f"recipient must be an AgentId, got {type(recipient).__name__} {recipient!r}; "
                "use AgentId(type, key)"
            )
        token = cancellation_token if cancellation_token is not None else CancellationToken()
        if token.is_cancelled():
            raise CancelledError(f"the send to {recipient} was cancelled before delivery")
        ctx = MessageContext(sender, None, True, token, message_id or f"m{next(self._message_ids)}")
        if self._wire_interceptors:
            message = await intercept_send(self._wire_interceptors, message, ctx, recipient)
        request_id = self._new_request_id()
        chain = (*_wire_chain.get(), f"{self._client_id}:{request_id}")
        request = pb.RpcRequest(
            request_id=request_id,
            target=pb.AgentId(type=recipient.type, key=recipient.key),
            payload=_wire.encode_payload(self._serializers, message),
            metadata={_wire.CALL_CHAIN: " ".join(chain)},
        )
        if sender is not None:
            request.source.CopyFrom(pb.AgentId(type=sender.type, key=sender.key))
        future: asyncio.Future[pb.RpcResponse] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = _Pending(future, handler_chain.get(), recipient)
        try:
            await self._write(pb.Message(request=request))
            token.link_future(future)
            try:
                response = await future
            except asyncio.CancelledError:
                if token.is_cancelled():
                    self._cancel_remote(request_id, recipient)
                    raise CancelledError(
                        f"the send to {recipient} was cancelled through its CancellationToken"
                    ) from None
                raise
        finally:
            self._pending.pop(request_id, None)
        if response.error:
            raise _wire.decode_error(response)
        result = _wire.decode_payload(self._serializers, response.payload)
        if self._wire_interceptors:
            result = await intercept_response(self._wire_interceptors, result, recipient, sender)
        return result

    def _new_request_id(self) -> str:
        return f"{self._request_prefix}.{next(self._request_ids)}"

    def _cancel_remote(self, request_id: str, recipient: AgentId) -> None:
        connection = self._connection
        if connection is None or not connection.retinue_host:
            return  # AutoGen's host has no cancellation; the handler runs to its end
        cancel = pb.RpcRequest(
            request_id=request_id,
            target=pb.AgentId(type=recipient.type, key=recipient.key),
            method=_wire.METHOD_CANCEL,
        )
        self._spawn(self._quiet_write(pb.Message(request=cancel)))

    async def _quiet_write(self, message: pb.Message) -> None:
        try:
            await self._write(message)
        except Exception as exc:
            logger.debug("could not send a cancellation: %s", exc)

    async def publish_message(
        self,
        message: Any,
        topic_id: TopicId,
        *,
        sender: AgentId | None = None,
        cancellation_token: CancellationToken | None = None,
        message_id: str | None = None,
    ) -> None:
        """Publish ``message`` to ``topic_id``: the host fans it out to every subscribed worker."""
        self._check_accepting("publish a message")
        if not isinstance(topic_id, TopicId):
            raise ConfigurationError(
                f"topic_id must be a TopicId, got {type(topic_id).__name__} {topic_id!r}; "
                "use TopicId(type, source) or DefaultTopicId()"
            )
        message_id = message_id or f"{self._client_id}-{next(self._message_ids)}"
        if self._wire_interceptors:
            ctx = MessageContext(
                sender, topic_id, False, cancellation_token or CancellationToken(), message_id
            )
            message = await intercept_publish(self._wire_interceptors, message, ctx)
            if is_drop(message):
                return
        event = _wire.publish_event(
            self._serializers, message, topic_id.type, topic_id.source, sender, message_id
        )
        if self._supervisor is None:
            # Not started: as in process, such messages wait for start(), in order.
            self._unsent.append(event)
            return
        await self._write(event)

    # ------------------------------------------------------------------ registration

    async def register_factory(
        self,
        type: str | AgentType,
        agent_factory: Callable[[], Any],
        *,
        expected_class: Any = None,
    ) -> AgentType:
        """Register ``type`` here and with the host (a type lives on one worker only)."""
        name = type.type if isinstance(type, AgentType) else type
        if name in self._factories:
            return await super().register_factory(
                type, agent_factory, expected_class=expected_class
            )
        await self._unary("RegisterAgent", pb.RegisterAgentTypeRequest(type=name))
        return await super().register_factory(type, agent_factory, expected_class=expected_class)

    async def register_agent_instance(self, agent_instance: Agent, agent_id: AgentId) -> AgentId:
        """Register an agent object here, and its type with the host."""
        if agent_id.type not in self._factories:
            await self._unary("RegisterAgent", pb.RegisterAgentTypeRequest(type=agent_id.type))
        return await super().register_agent_instance(agent_instance, agent_id)

    async def add_subscription(self, subscription: Subscription) -> None:
        """Add ``subscription`` here and on the host.

        Ordered after this worker's earlier publishes: they are routed without it.
        """
        proto = _wire.subscription_to_proto(subscription)
        await self._flush()
        await super().add_subscription(subscription)
        try:
            await self._unary("AddSubscription", pb.AddSubscriptionRequest(subscription=proto))
        except BaseException:
            await super().remove_subscription(subscription.id)
            raise

    async def remove_subscription(self, id: str) -> None:
        """Remove the subscription ``id`` here and on the host.

        Ordered after this worker's earlier publishes: they are still delivered by it.
        """
        if id not in self._subscriptions:
            await super().remove_subscription(id)  # raises the kernel's clear error
        await self._flush()
        await self._unary("RemoveSubscription", pb.RemoveSubscriptionRequest(id=id))
        await super().remove_subscription(id)

    async def _flush(self) -> None:
        # With a retinue host, a barrier round trip: everything this worker sent before
        # has been routed, and what the host forwarded to it has arrived.
        connection = self._connection
        if connection is not None and connection.retinue_host:
            await self._remote_barrier()

    # ------------------------------------------------------------------ agents elsewhere

    def _is_local(self, agent: AgentId) -> bool:
        return agent.type in self._factories

    async def _remote_call(self, agent: AgentId, method: str, data: Any = None) -> Any:
        self._check_accepting("reach a remote agent")
        request_id = self._new_request_id()
        request = pb.RpcRequest(
            request_id=request_id,
            target=pb.AgentId(type=agent.type, key=agent.key),
            method=method,
            payload=pb.Payload(
                data_type="retinue.json",
                data_content_type=_wire.JSON,
                data=json.dumps(data).encode(),
            ),
        )
        future: asyncio.Future[pb.RpcResponse] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = _Pending(future, ())
        try:
            await self._write(pb.Message(request=request))
            response = await future
        finally:
            self._pending.pop(request_id, None)
        if response.error:
            raise _wire.decode_error(response)
        return json.loads(response.payload.data or b"null")

    async def agent_metadata(self, agent: AgentId) -> AgentMetadata:
        """Type, key and description of an agent on this or any other retinue worker."""
        if self._is_local(agent):
            return await super().agent_metadata(agent)
        data = await self._remote_call(agent, _wire.METHOD_METADATA)
        return AgentMetadata(type=data["type"], key=data["key"], description=data["description"])

    async def agent_save_state(self, agent: AgentId) -> Mapping[str, Any]:
        """State of an agent on this or any other retinue worker."""
        if self._is_local(agent):
            return await super().agent_save_state(agent)
        state: Mapping[str, Any] = await self._remote_call(agent, _wire.METHOD_SAVE_STATE)
        return state

    async def agent_load_state(self, agent: AgentId, state: Mapping[str, Any]) -> None:
        """Restore the state of an agent on this or any other retinue worker."""
        if self._is_local(agent):
            await super().agent_load_state(agent, state)
            return
        try:
            text = json.loads(json.dumps(state))
        except (TypeError, ValueError) as exc:
            raise SerializationError(f"the state for agent {agent} is not JSON: {exc}") from None
        await self._remote_call(agent, _wire.METHOD_LOAD_STATE, text)

    # ------------------------------------------------------------------ lifecycle

    def _fail_pending(self, error: Exception) -> None:
        pending, self._pending = self._pending, {}
        for item in pending.values():
            if not item.future.done():
                item.future.set_exception(error)

    async def stop(
        self, *, grace_period: float | None = None, cancel_handlers: bool = False
    ) -> None:
        """Stop delivering (as the in-process runtime does); awaited replies fail."""
        await super().stop(grace_period=grace_period, cancel_handlers=cancel_handlers)
        self._fail_pending(
            RuntimeClosedError("the runtime was stopped before the reply came; call start() again")
        )

    async def stop_when_idle(self) -> None:
        """Wait until the host routed everything this worker sent, and this worker is idle.

        With a retinue host, a barrier round trip makes sure the host has forwarded
        every earlier message (publishes to this worker included) before idleness is
        judged; messages other workers still handle are theirs to wait for.
        """
        if not self.is_running:
            await super().stop_when_idle()
            return
        await self._wait_connected()
        while True:
            await self._flush()
            moved = self._received + self._sent
            await self._idle_here()
            if moved == self._received + self._sent:
                break
        await super().stop_when_idle()

    async def _remote_barrier(self) -> None:
        request_id = self._new_request_id()
        future: asyncio.Future[pb.RpcResponse] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = _Pending(future, ())
        try:
            await self._write(
                pb.Message(
                    request=pb.RpcRequest(
                        request_id=request_id,
                        target=pb.AgentId(type=_wire.HOST_TARGET, key="barrier"),
                        method=_wire.METHOD_BARRIER,
                    )
                )
            )
            await future
        finally:
            self._pending.pop(request_id, None)

    async def _idle_here(self) -> None:
        while self._outstanding or self._pending or self._tasks:
            if self._pending or self._tasks:
                waits = [p.future for p in self._pending.values()] + list(self._tasks)
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                continue
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._idle_waiters.append(waiter)
            await waiter

    async def close(self) -> None:
        """Stop, close every agent here and disconnect from the host."""
        self._closing = True
        await super().close()
        supervisor, self._supervisor = self._supervisor, None
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.channel.close(None)
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await supervisor
        for task in list(self._tasks):
            task.cancel()

    async def __aenter__(self) -> GrpcWorkerAgentRuntime:
        await self.connect()
        return self


def _json_response(request_id: str, value: Any) -> pb.RpcResponse:
    return pb.RpcResponse(
        request_id=request_id,
        payload=pb.Payload(
            data_type="retinue.json", data_content_type=_wire.JSON, data=json.dumps(value).encode()
        ),
    )


def _rpc_text(exc: BaseException) -> str:
    if isinstance(exc, grpc.aio.AioRpcError):
        return f"{exc.code().name}: {(exc.details() or '')[:300]}"
    return str(exc)[:300]
