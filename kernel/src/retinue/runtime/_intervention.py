"""Intervention handlers: see, rewrite or drop messages as the runtime routes them.

An intervention handler is a :class:`retinue.middleware.MessageInterceptor`.  Each
method returns the message to deliver (possibly a new one) or :data:`DROP`.  A dropped
send or reply raises :class:`~retinue.MessageDroppedError` at the sender; a dropped
publish is logged and delivered to nobody.
"""

from __future__ import annotations

from typing import Any, Final, final

from ..middleware import MessageInterceptor

__all__ = ["DROP", "DefaultInterventionHandler", "DropMessage", "InterventionHandler", "is_drop"]

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
