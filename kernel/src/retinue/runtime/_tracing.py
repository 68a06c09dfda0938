"""Span attributes of the in-process runtime's message spans (send, publish, process, create).

The spans themselves are opened inline where messages move, so a runtime with
tracing off pays nothing; only the attribute dictionaries, built when a span is
recorded, live here so every span names its message the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._agent import Agent, MessageContext
    from ._ids import AgentId

__all__ = ["creation_attributes", "messaging_attributes", "process_attributes"]


def messaging_attributes(
    operation: str, destination: str, message: Any, ctx: MessageContext
) -> dict[str, Any]:
    """Attributes of a ``send`` or ``publish`` span (and the base of a ``process`` span)."""
    return {
        "messaging.system": "retinue",
        "messaging.operation.type": operation,
        "messaging.destination.name": destination,
        "messaging.message.id": ctx.message_id,
        "retinue.message.type": f"{type(message).__module__}.{type(message).__qualname__}",
    }


def process_attributes(
    recipient: AgentId, agent: Agent, message: Any, ctx: MessageContext
) -> dict[str, Any]:
    """Attributes of the span of one handler run."""
    return {
        **messaging_attributes("process", str(recipient), message, ctx),
        "retinue.agent.class": type(agent).__qualname__,
        "retinue.sender": str(ctx.sender) if ctx.sender is not None else "",
    }


def creation_attributes(agent_id: AgentId) -> dict[str, Any]:
    """Attributes of the span of an agent's factory call."""
    return {
        "messaging.system": "retinue",
        "messaging.operation.type": "create",
        "messaging.destination.name": str(agent_id),
    }
