"""The host of a distributed runtime: routes messages between workers (AutoGen's protocol).

Workers connect with ``OpenChannel`` (one bidirectional stream each) and register
their agent types and subscriptions with unary calls.  The host routes an RPC by
the target's agent type and relays the reply; it fans a publish (a CloudEvent) out
to every worker that owns a subscribed agent type.  What it does beyond AutoGen's
host:

* a request for an agent type no worker hosts is answered at once with an error
  (AutoGen's host only logs it and the caller waits forever);
* when a worker disconnects, every request routed to it is answered with an error,
  so callers fail promptly instead of waiting;
* request ids are remapped per route, so two workers' ids never collide;
* optional TLS and a shared token; bounded frames; each worker's outgoing queue
  is bounded, so a slow worker slows its senders (backpressure) instead of
  growing the host's memory;
* ``retinue.*`` calls: a barrier for ``stop_when_idle`` and cancellation of a
  routed request.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import grpc
from pydantic import SecretStr
from retinue import AgentNotFoundError, ConfigurationError
from retinue.runtime import Subscription, TopicId

from . import _wire
from ._channel import DEFAULT_MAX_MESSAGE_BYTES, grpc_options, read_pem, token_matches
from ._errors import HostConnectionError
from ._protos import agent_worker_pb2 as pb, agent_worker_pb2_grpc as pb_grpc

__all__ = ["GrpcWorkerAgentRuntimeHost"]

logger = logging.getLogger(__name__)

# Puts that waited for room in a full queue; held so they are not garbage-collected.
_waiting_puts: set[asyncio.Task[None]] = set()

# Messages waiting for one worker before its senders are slowed down.
DEFAULT_QUEUE_SIZE = 1024
_CLOSED = object()


class _Client:
    """One connected worker: its outgoing queue and the requests routed to it."""

    def __init__(self, client_id: str, queue_size: int) -> None:
        self.client_id = client_id
        self.outbox: asyncio.Queue[Any] = asyncio.Queue(maxsize=queue_size)
        # host request id -> (origin client id, origin request id, target type)
        self.routed: dict[str, tuple[str, str, str]] = {}
        # Why the worker's stream could not be read (a malformed frame), if it could not.
        self.read_error: str | None = None


class _Servicer(pb_grpc.AgentRpcServicer):
    def __init__(self, token: SecretStr | None, queue_size: int) -> None:
        self._token = token
        self._queue_size = queue_size
        self._clients: dict[str, _Client] = {}
        self._control: dict[str, asyncio.Queue[Any]] = {}
        self._types: dict[str, str] = {}
        self._subscriptions: dict[str, tuple[Subscription, pb.Subscription, str]] = {}
        self._ids = itertools.count(1)
        # (origin client id, origin request id) -> (target client id, host request id)
        self._routes: dict[tuple[str, str], tuple[str, str]] = {}

    # ------------------------------------------------------------------ checks

    async def _client_id(self, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        metadata = {key: str(value) for key, value in context.invocation_metadata() or ()}
        if not token_matches(metadata, self._token):
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "invalid or missing token: pass the host's token to the worker "
                "(GrpcWorkerAgentRuntime(token=...))",
            )
        client_id = metadata.get(_wire.CLIENT_ID)
        if not client_id:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "client-id metadata not found.")
        return str(client_id)[:200]

    async def _unary(self, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        client_id = await self._client_id(context)
        await context.send_initial_metadata(((_wire.HOST_MARKER, "1"),))
        return client_id

    # ------------------------------------------------------------------ data channel

    async def OpenChannel(
        self,
        request_iterator: AsyncIterator[pb.Message],
        context: grpc.aio.ServicerContext[pb.Message, pb.Message],
    ) -> AsyncIterator[pb.Message]:
        client_id = await self._client_id(context)
        client = _Client(client_id, self._queue_size)
        previous = self._clients.get(client_id)
        self._clients[client_id] = client
        if previous is not None:
            # The same worker reconnected before its old stream was noticed as gone.
            self._fail_routed(previous, "reconnected")
            _close_outbox(previous)
        logger.info("worker %s connected", client_id)
        reader = asyncio.ensure_future(self._read(client, request_iterator))
        reader.add_done_callback(lambda _: _close_outbox(client))
        try:
            while True:
                item = await client.outbox.get()
                if item is _CLOSED:
                    break
                yield item
            if client.read_error is not None:
                await context.abort(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    f"the host could not read a frame from this worker ({client.read_error}); "
                    "send agents.Message protobufs of AutoGen's agent_worker.proto",
                )
        finally:
            reader.cancel()
            self._disconnect(client)

    async def _read(self, client: _Client, request_iterator: AsyncIterator[pb.Message]) -> None:
        try:
            async for message in request_iterator:
                await self._on_message(client, message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            client.read_error = str(exc)[:300]
            logger.warning("worker %s sent a frame the host cannot read: %s", client.client_id, exc)

    def _disconnect(self, client: _Client) -> None:
        self._fail_routed(client, "disconnected")
        if self._clients.get(client.client_id) is not client:
            return
        del self._clients[client.client_id]
        for agent_type in [t for t, owner in self._types.items() if owner == client.client_id]:
            del self._types[agent_type]
        for sub_id in [s for s, (_, _, o) in self._subscriptions.items() if o == client.client_id]:
            del self._subscriptions[sub_id]
        for key in [k for k in self._routes if k[0] == client.client_id]:
            del self._routes[key]
        logger.info(
            "worker %s disconnected; its agent types and subscriptions are dropped",
            client.client_id,
        )

    def _fail_routed(self, client: _Client, what: str) -> None:
        routed, client.routed = client.routed, {}
        for origin_id, origin_request, target_type in routed.values():
            self._routes.pop((origin_id, origin_request), None)
            error = HostConnectionError(
                f"the worker hosting agent type {target_type!r} {what} before replying; "
                "the message may or may not have been handled"
            )
            self._deliver_nowait(origin_id, _wire.encode_error(origin_request, error))

    def _deliver_nowait(self, client_id: str, message: pb.Message) -> None:
        client = self._clients.get(client_id)
        if client is None:
            return
        try:
            client.outbox.put_nowait(message)
        except asyncio.QueueFull:
            _put_later(client.outbox, message)

    async def _send(self, client_id: str, message: pb.Message) -> bool:
        client = self._clients.get(client_id)
        if client is None:
            return False
        # Bounded: a slow worker makes this wait, which stops reading the sender's stream.
        await client.outbox.put(message)
        return True

    async def _on_message(self, client: _Client, message: pb.Message) -> None:
        kind = message.WhichOneof("message")
        if kind == "request":
            await self._on_request(client, message.request)
        elif kind == "response":
            self._on_response(client, message.response)
        elif kind == "cloudEvent":
            await self._on_event(message)
        else:
            logger.warning("worker %s sent an empty message; ignored", client.client_id)

    async def _on_request(self, client: _Client, request: pb.RpcRequest) -> None:
        if request.target.type == _wire.HOST_TARGET:
            # A barrier: everything this worker sent before is already routed.
            await self._send(
                client.client_id, pb.Message(response=pb.RpcResponse(request_id=request.request_id))
            )
            return
        if request.method == _wire.METHOD_CANCEL:
            route = self._routes.get((client.client_id, request.request_id))
            if route is not None:
                target_id, host_id = route
                cancel = pb.RpcRequest(
                    request_id=host_id, target=request.target, method=_wire.METHOD_CANCEL
                )
                await self._send(target_id, pb.Message(request=cancel))
            return
        target_id = self._types.get(request.target.type)
        if target_id is None or target_id not in self._clients:
            known = ", ".join(sorted(self._types)[:50]) or "none"
            error = AgentNotFoundError(
                f"recipient not found: no worker hosts agent type {request.target.type[:200]!r} "
                f"(registered: {known}); start a worker that registers it"
            )
            await self._send(client.client_id, _wire.encode_error(request.request_id, error))
            return
        host_id = f"h{next(self._ids)}"
        target = self._clients[target_id]
        target.routed[host_id] = (client.client_id, request.request_id, request.target.type)
        self._routes[(client.client_id, request.request_id)] = (target_id, host_id)
        forwarded = pb.RpcRequest()
        forwarded.CopyFrom(request)
        forwarded.request_id = host_id
        await self._send(target_id, pb.Message(request=forwarded))

    def _on_response(self, client: _Client, response: pb.RpcResponse) -> None:
        route = client.routed.pop(response.request_id, None)
        if route is None:
            logger.warning(
                "worker %s replied to unknown request %r; ignored",
                client.client_id,
                response.request_id[:100],
            )
            return
        origin_id, origin_request, _ = route
        self._routes.pop((origin_id, origin_request), None)
        relayed = pb.RpcResponse()
        relayed.CopyFrom(response)
        relayed.request_id = origin_request
        self._deliver_nowait(origin_id, pb.Message(response=relayed))

    async def _on_event(self, message: pb.Message) -> None:
        event = message.cloudEvent
        try:
            topic = TopicId(event.type, event.source)
        except ConfigurationError as exc:
            logger.warning("dropped a publish to an invalid topic: %s", exc)
            return
        owners = {
            self._types.get(subscription.agent_type)
            for subscription, _, _ in self._subscriptions.values()
            if subscription.is_match(topic)
        }
        for client_id in owners:
            if client_id is not None:
                await self._send(client_id, message)

    # ------------------------------------------------------------------ control channel

    async def OpenControlChannel(
        self,
        request_iterator: AsyncIterator[pb.ControlMessage],
        context: grpc.aio.ServicerContext[pb.ControlMessage, pb.ControlMessage],
    ) -> AsyncIterator[pb.ControlMessage]:
        client_id = await self._client_id(context)
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=self._queue_size)
        self._control[client_id] = queue

        async def read() -> None:
            async for message in request_iterator:
                destination = message.destination
                if destination.startswith("agentid="):
                    agent_type = destination[len("agentid=") :].split("/", 1)[0]
                    target = self._types.get(agent_type)
                elif destination.startswith("clientid="):
                    target = destination[len("clientid=") :]
                else:
                    logger.warning("control message with invalid destination; ignored")
                    continue
                target_queue = self._control.get(target or "")
                if target_queue is not None:
                    await target_queue.put(message)

        reader = asyncio.ensure_future(read())
        reader.add_done_callback(lambda _: queue.put_nowait(_CLOSED) if not queue.full() else None)
        try:
            while True:
                item = await queue.get()
                if item is _CLOSED:
                    break
                yield item
        finally:
            reader.cancel()
            if self._control.get(client_id) is queue:
                del self._control[client_id]

    # ------------------------------------------------------------------ registration

    async def RegisterAgent(
        self, request: pb.RegisterAgentTypeRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RegisterAgentTypeResponse:
        client_id = await self._unary(context)
        owner = self._types.get(request.type)
        if owner is not None and owner != client_id:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"agent type {request.type[:200]!r} is already registered by another worker; "
                "each agent type lives on one worker: pick another type name",
            )
        self._types[request.type] = client_id
        return pb.RegisterAgentTypeResponse()

    async def AddSubscription(
        self, request: pb.AddSubscriptionRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.AddSubscriptionResponse:
        client_id = await self._unary(context)
        try:
            subscription = _wire.subscription_from_proto(request.subscription)
        except ConfigurationError as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        existing = self._subscriptions.get(subscription.id)
        if existing is not None and (
            existing[2] != client_id or existing[1] != request.subscription
        ):
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"a subscription with id {subscription.id[:200]!r} already exists",
            )
        self._subscriptions[subscription.id] = (subscription, request.subscription, client_id)
        return pb.AddSubscriptionResponse()

    async def RemoveSubscription(
        self, request: pb.RemoveSubscriptionRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RemoveSubscriptionResponse:
        await self._unary(context)
        if self._subscriptions.pop(request.id, None) is None:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"no subscription with id {request.id[:200]!r}"
            )
        return pb.RemoveSubscriptionResponse()

    async def GetSubscriptions(
        self, request: pb.GetSubscriptionsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetSubscriptionsResponse:
        await self._unary(context)
        return pb.GetSubscriptionsResponse(
            subscriptions=[proto for _, proto, _ in self._subscriptions.values()]
        )


def _put_later(queue: asyncio.Queue[Any], item: Any) -> None:
    task = asyncio.ensure_future(queue.put(item))
    _waiting_puts.add(task)
    task.add_done_callback(_waiting_puts.discard)


def _close_outbox(client: _Client) -> None:
    try:
        client.outbox.put_nowait(_CLOSED)
    except asyncio.QueueFull:
        _put_later(client.outbox, _CLOSED)


class GrpcWorkerAgentRuntimeHost:
    """The host workers connect to; speaks AutoGen 0.7.5's ``agents.AgentRpc`` protocol.

    Args:
        address: ``host:port`` to listen on (port ``0`` picks a free one; see
            :attr:`address`).
        token: a shared secret every worker must send (``None``: no check).
        tls_certificate, tls_private_key: PEM files; given both, the host serves TLS.
        max_message_bytes: largest frame accepted or sent.
        queue_size: messages queued for one worker before its senders wait.
        extra_grpc_config: more gRPC server options.

    >>> host = GrpcWorkerAgentRuntimeHost("127.0.0.1:50051")
    >>> # host.start(); ...; await host.stop()
    """

    def __init__(
        self,
        address: str = "127.0.0.1:50051",
        *,
        token: str | SecretStr | None = None,
        tls_certificate: str | Path | None = None,
        tls_private_key: str | Path | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        extra_grpc_config: Sequence[tuple[str, Any]] | None = None,
    ) -> None:
        if (tls_certificate is None) != (tls_private_key is None):
            raise ConfigurationError(
                "TLS needs both tls_certificate and tls_private_key (PEM files), or neither"
            )
        if max_message_bytes <= 0 or queue_size <= 0:
            raise ConfigurationError("max_message_bytes and queue_size must be positive")
        secret = SecretStr(token) if isinstance(token, str) else token
        self._servicer = _Servicer(secret, queue_size)
        self._server = grpc.aio.server(
            options=grpc_options(max_message_bytes, list(extra_grpc_config or []))
        )
        pb_grpc.add_AgentRpcServicer_to_server(self._servicer, self._server)
        host = address.rsplit(":", 1)[0]
        if tls_certificate is not None and tls_private_key is not None:
            key = read_pem(Path(tls_private_key), "TLS private key")
            cert = read_pem(Path(tls_certificate), "TLS certificate")
            credentials = grpc.ssl_server_credentials([(key, cert)])
            port = self._server.add_secure_port(address, credentials)
        else:
            port = self._server.add_insecure_port(address)
        if not port:
            raise ConfigurationError(f"cannot listen on {address[:200]!r}; pick a free host:port")
        self._address = f"{host}:{port}"
        self._serve_task: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        """``host:port`` the host listens on (the real port when ``0`` was asked for)."""
        return self._address

    async def _serve(self) -> None:
        await self._server.start()
        logger.info("host listening on %s", self._address)
        await self._server.wait_for_termination()

    def start(self) -> None:
        """Start serving in a background task (as AutoGen's host does)."""
        if self._serve_task is not None:
            raise ConfigurationError("the host is already started; call start() only once")
        self._serve_task = asyncio.ensure_future(self._serve())

    async def stop(self, grace: float = 5) -> None:
        """Stop serving; workers see their connection close and reconnect with backoff."""
        if self._serve_task is None:
            return
        await self._server.stop(grace=grace)
        self._serve_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._serve_task
        self._serve_task = None

    async def stop_when_signal(
        self,
        grace: float = 5,
        signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    ) -> None:
        """Serve until one of ``signals`` arrives, then stop."""
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in signals:
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await self.stop(grace=grace)

    async def __aenter__(self) -> GrpcWorkerAgentRuntimeHost:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop(grace=0)
