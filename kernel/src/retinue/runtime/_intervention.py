"""Intervention handlers: see, rewrite or drop messages as the runtime routes them.

An intervention handler is a :class:`retinue.middleware.MessageInterceptor`.  Each
method returns the message to deliver (possibly a new one) or :data:`DROP`.  A dropped
send or reply raises :class:`~retinue.MessageDroppedError` at the sender; a dropped
publish is logged and delivered to nobody.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final, final

from .._errors import MessageDroppedError
from .._message_interceptor import MessageInterceptor

if TYPE_CHECKING:
    from ._agent import MessageContext
    from ._ids import AgentId

__all__ = [
    "DROP",
    "DefaultInterventionHandler",
    "DropMessage",
    "InterventionHandler",
    "MessageInterceptor",
    "intercept_publish",
    "intercept_response",
    "intercept_send",
    "is_drop",
]

logger = logging.getLogger(__name__)


InterventionHandler = MessageInterceptor
"""The runtime's name for a message interceptor (AutoGen's ``InterventionHandler``)."""


class DefaultInterventionHandler(MessageInterceptor):
    """Passes every message through; subclass it and override what you need."""


@final
class DropMessage:
    """Return this class (or :data:`DROP`) from an intervention handler to drop a message."""

    def __init__(self) -> None:  # pragma: no cover - the class itself is the marker
        raise TypeError("DropMessage is a marker; return the class itself (or DROP)")


DROP: Final = DropMessage


def is_drop(value: Any) -> bool:
    """Whether an intervention handler asked to drop the message."""
    return value is DropMessage


# The runtime calls these only when it has interceptors, so a runtime without any
# pays nothing for them per message.


async def intercept_send(
    interceptors: tuple[MessageInterceptor, ...],
    message: Any,
    ctx: MessageContext,
    recipient: AgentId,
) -> Any:
    """``message`` as the interceptors pass it on; raises if one drops it."""
    for interceptor in interceptors:
        message = await interceptor.on_send(message, message_context=ctx, recipient=recipient)
        if is_drop(message):
            raise _dropped(f"the message to {recipient}", interceptor)
    return message


async def intercept_response(
    interceptors: tuple[MessageInterceptor, ...],
    result: Any,
    recipient: AgentId,
    sender: AgentId | None,
) -> Any:
    """``recipient``'s reply to ``sender`` as the interceptors pass it on; raises if dropped."""
    for interceptor in interceptors:
        result = await interceptor.on_response(result, sender=recipient, recipient=sender)
        if is_drop(result):
            raise _dropped(f"the reply of agent {recipient}", interceptor)
    return result


def _dropped(what: str, interceptor: MessageInterceptor) -> MessageDroppedError:
    return MessageDroppedError(
        f"{what} was dropped by intervention handler {type(interceptor).__name__}"
    )


async def intercept_publish(
    interceptors: tuple[MessageInterceptor, ...], message: Any, ctx: MessageContext
) -> Any:
    """``message`` as the interceptors pass it on, or :data:`DROP` (logged) if one drops it."""
    for interceptor in interceptors:
        message = await interceptor.on_publish(message, message_context=ctx)
        if is_drop(message):
            logger.info(
                "publish of message %s on %s dropped by %s",
                ctx.message_id,
                ctx.topic_id,
                type(interceptor).__name__,
            )
            return DROP
    return message
