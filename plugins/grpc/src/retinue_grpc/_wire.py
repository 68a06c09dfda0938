"""What travels on AutoGen's ``agents.AgentRpc`` protocol, and how retinue fills it in.

Everything here is AutoGen 0.7.5's wire format; retinue's additions ride in fields
AutoGen peers ignore: ``RpcRequest.method`` (empty for a message, ``retinue.*`` for
the runtime's own calls) and metadata keys prefixed ``retinue-``.
"""

from __future__ import annotations

import builtins
from typing import Any

import retinue
from retinue import RetinueError
from retinue.runtime import (
    AgentId,
    SerializationRegistry,
    Subscription,
    TypePrefixSubscription,
    TypeSubscription,
)

from . import _errors
from ._protos import agent_worker_pb2 as pb, cloudevent_pb2 as ce

__all__ = [
    "CLIENT_ID",
    "ERROR_TYPE",
    "JSON",
    "decode_error",
    "encode_error",
    "subscription_from_proto",
    "subscription_to_proto",
]

JSON = "application/json"
CLIENT_ID = "client-id"
AUTHORIZATION = "authorization"
# Set by a retinue host on its unary replies, so a worker knows its extensions work.
HOST_MARKER = "retinue-host"
ERROR_TYPE = "retinue-error-type"
# Space-separated "<client id>:<request id>" of the sends this request is nested in.
CALL_CHAIN = "retinue-chain"
# Methods of retinue's own calls (an empty method is an agent message, as in AutoGen).
METHOD_CANCEL = "retinue.cancel"
METHOD_BARRIER = "retinue.barrier"
METHOD_METADATA = "retinue.agent_metadata"
METHOD_SAVE_STATE = "retinue.agent_save_state"
METHOD_LOAD_STATE = "retinue.agent_load_state"
# The target type of calls the retinue host answers itself.
HOST_TARGET = "retinue.host"

# CloudEvent attribute names (AutoGen's ``_constants``).
ATTR_CONTENT_TYPE = "datacontenttype"
ATTR_SCHEMA = "dataschema"
ATTR_SENDER_TYPE = "agagentsendertype"
ATTR_SENDER_KEY = "agagentsenderkey"
ATTR_KIND = "agmsgkind"

# Longest remote error text kept; a peer's error is input, so it is bounded.
_MAX_ERROR_TEXT = 4000


def encode_payload(registry: SerializationRegistry, message: Any) -> pb.Payload:
    """``message`` as an AutoGen ``Payload`` (JSON, ``data_type`` = its wire type name)."""
    type_name, data = registry.serialize(message)
    return pb.Payload(data_type=type_name, data_content_type=JSON, data=data)


def decode_payload(registry: SerializationRegistry, payload: pb.Payload) -> Any:
    """The message in ``payload`` (an ``UnknownPayload`` when its type is not registered)."""
    return registry.deserialize(
        payload.data,
        type_name=payload.data_type,
        data_content_type=payload.data_content_type or JSON,
    )


def publish_event(
    registry: SerializationRegistry,
    message: Any,
    topic_type: str,
    topic_source: str,
    sender: AgentId | None,
    message_id: str,
) -> pb.Message:
    """A publish as AutoGen sends it: a CloudEvent with JSON in ``binary_data``."""
    type_name, data = registry.serialize(message)
    sender = sender or AgentId("unknown", "unknown")
    attributes = {
        ATTR_CONTENT_TYPE: _attr(JSON),
        ATTR_SCHEMA: _attr(type_name),
        ATTR_SENDER_TYPE: _attr(sender.type),
        ATTR_SENDER_KEY: _attr(sender.key),
        ATTR_KIND: _attr("publish"),
    }
    return pb.Message(
        cloudEvent=ce.CloudEvent(
            id=message_id,
            spec_version="1.0",
            type=topic_type,
            source=topic_source,
            attributes=attributes,
            binary_data=data,
        )
    )


def _attr(value: str) -> ce.CloudEvent.CloudEventAttributeValue:
    return ce.CloudEvent.CloudEventAttributeValue(ce_string=value)


def event_sender(event: ce.CloudEvent) -> AgentId | None:
    """The publishing agent named in ``event`` (``None`` for AutoGen's ``unknown/unknown``)."""
    attributes = event.attributes
    if ATTR_SENDER_TYPE not in attributes or ATTR_SENDER_KEY not in attributes:
        return None
    sender_type = attributes[ATTR_SENDER_TYPE].ce_string
    sender_key = attributes[ATTR_SENDER_KEY].ce_string
    if (sender_type, sender_key) == ("unknown", "unknown"):
        return None
    return AgentId(sender_type, sender_key)


def event_payload(event: ce.CloudEvent) -> pb.Payload:
    """The payload of a CloudEvent, in the shape of an RPC payload."""
    attributes = event.attributes
    content_type = (
        attributes[ATTR_CONTENT_TYPE].ce_string if ATTR_CONTENT_TYPE in attributes else ""
    )
    type_name = attributes[ATTR_SCHEMA].ce_string if ATTR_SCHEMA in attributes else ""
    kind = event.WhichOneof("data")
    if kind == "binary_data":
        data = event.binary_data
    elif kind == "text_data":
        data = event.text_data.encode()
    elif kind == "proto_data":
        data = event.proto_data.SerializeToString()
    else:
        data = b""
    return pb.Payload(data_type=type_name, data_content_type=content_type or JSON, data=data)


def subscription_to_proto(subscription: Subscription) -> pb.Subscription:
    """The wire form of a type or type-prefix subscription (the only kinds AutoGen routes)."""
    if isinstance(subscription, TypeSubscription):
        return pb.Subscription(
            id=subscription.id,
            typeSubscription=pb.TypeSubscription(
                topic_type=subscription.topic_type, agent_type=subscription.agent_type
            ),
        )
    if isinstance(subscription, TypePrefixSubscription):
        return pb.Subscription(
            id=subscription.id,
            typePrefixSubscription=pb.TypePrefixSubscription(
                topic_type_prefix=subscription.topic_type_prefix,
                agent_type=subscription.agent_type,
            ),
        )
    raise retinue.ConfigurationError(
        f"the gRPC runtime can only route TypeSubscription and TypePrefixSubscription, got "
        f"{type(subscription).__name__}; express it as one of those"
    )


def subscription_from_proto(subscription: pb.Subscription) -> Subscription:
    """A kernel subscription from its wire form."""
    kind = subscription.WhichOneof("subscription")
    if kind == "typeSubscription":
        item = subscription.typeSubscription
        return TypeSubscription(item.topic_type, item.agent_type, id=subscription.id or None)
    if kind == "typePrefixSubscription":
        prefix = subscription.typePrefixSubscription
        return TypePrefixSubscription(
            prefix.topic_type_prefix, prefix.agent_type, id=subscription.id or None
        )
    raise retinue.ConfigurationError(
        "the subscription names neither a typeSubscription nor a typePrefixSubscription"
    )


def encode_error(request_id: str, exc: BaseException) -> pb.Message:
    """An error reply: AutoGen's ``error`` text, plus the exception's class for retinue peers."""
    return pb.Message(
        response=pb.RpcResponse(
            request_id=request_id,
            error=str(exc) or type(exc).__name__,
            metadata={ERROR_TYPE: type(exc).__name__},
        )
    )


def decode_error(response: pb.RpcResponse) -> Exception:
    """The exception a remote handler raised, rebuilt when its class is a known one.

    Only builtin exceptions and retinue's own errors are rebuilt (a peer never makes
    this process import anything); anything else becomes :class:`RemoteAgentError`.
    """
    text = response.error[:_MAX_ERROR_TEXT]
    name = response.metadata.get(ERROR_TYPE, "")
    cls = _known_error_class(name)
    if cls is not None:
        try:
            return cls(text)
        except Exception:
            pass
    origin = f" ({name[:100]})" if name else ""
    return _errors.RemoteAgentError(f"the remote handler failed{origin}: {text}", name[:100])


def _known_error_class(name: str) -> type[Exception] | None:
    if not name or not name.isidentifier():
        return None
    for namespace in (retinue, _errors, builtins):
        candidate = getattr(namespace, name, None)
        if (
            isinstance(candidate, type)
            and issubclass(candidate, Exception)
            and (namespace is builtins or issubclass(candidate, RetinueError))
        ):
            return candidate
    return None
