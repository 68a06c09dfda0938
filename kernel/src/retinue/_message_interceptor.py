"""The base of message interceptors (the runtime's intervention handlers).

A foundation, not part of :mod:`retinue.middleware` (which hands it on): the runtime
calls these interceptors and sits below the middleware, and a plugin that only
defines one imports nothing heavy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MessageInterceptor"]


class MessageInterceptor:
    """Sees runtime messages (the runtime's intervention handlers).

    Return the message (possibly rewritten) to deliver it, or the
    ``retinue.runtime.DROP`` sentinel to drop it.
    """

    async def on_send(self, message: Any, *, message_context: Any, recipient: Any) -> Any:
        return message

    async def on_publish(self, message: Any, *, message_context: Any) -> Any:
        return message

    async def on_response(self, message: Any, *, sender: Any, recipient: Any) -> Any:
        return message
