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

:class:`InProcessRuntime` only puts its layers together, each a module of its own:

* ``_directory``: agent types, instances, mailboxes and subscriptions;
* ``_persistence``: ``save_state`` and ``load_state`` (needs only the directory);
* ``_scheduler``: lifecycle, running handlers, mailbox workers, idle tracking;
* ``_delivery``: ``send_message`` and ``publish_message`` with interceptors,
  serialization, spans and the choice between inline and mailbox delivery (the hot
  path);
* ``_mailbox`` and ``_tracing``: the data and span attributes they share.

They are base classes rather than collaborating objects so that the hot path reads
``self._state`` and calls ``self._handle`` directly, with no extra hop per message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..components import Component
from ._delivery import MessageDelivery
from ._intervention import MessageInterceptor
from ._persistence import StatePersistence

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

__all__ = ["InProcessRuntime", "InProcessRuntimeConfig", "SingleThreadedAgentRuntime"]

# Seconds stop() gives running handlers before cancelling them.
DEFAULT_STOP_GRACE_PERIOD = 5.0


class InProcessRuntimeConfig(BaseModel):
    """Config of :class:`InProcessRuntime` (provider ``inprocess``)."""

    model_config = ConfigDict(defer_build=True)

    ignore_unhandled_exceptions: bool = True
    serialize_messages: bool = False
    stop_grace_period: float = Field(default=DEFAULT_STOP_GRACE_PERIOD, ge=0)
    tracing: bool = True


class InProcessRuntime(MessageDelivery, StatePersistence, Component[InProcessRuntimeConfig]):
    """Runs agents in this process on the running asyncio loop (the default runtime).

    Args:
        intervention_handlers: interceptors that see every send, publish and reply
            (plugins add more through the ``retinue_message_interceptors`` hook).
        ignore_unhandled_exceptions: when false, an exception raised by a handler of a
            published message is re-raised from :meth:`stop` / :meth:`stop_when_idle`
            (it is always logged and recorded on the trace).
        serialize_messages: encode and decode every message and reply as a process
            boundary would, to check that they survive the gRPC runtime.
        stop_grace_period: seconds :meth:`stop` gives running handlers to finish
            before it cancels them (each call can override it).
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
        stop_grace_period: float = DEFAULT_STOP_GRACE_PERIOD,
        tracer_provider: TracerProvider | None = None,
        tracing: bool = True,
    ) -> None:
        super().__init__(
            intervention_handlers=intervention_handlers or (),
            serialize_messages=serialize_messages,
            ignore_unhandled_exceptions=ignore_unhandled_exceptions,
            stop_grace_period=stop_grace_period,
            tracer_provider=tracer_provider,
            tracing=tracing,
        )

    async def __aenter__(self) -> InProcessRuntime:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _to_config(self) -> InProcessRuntimeConfig:
        return InProcessRuntimeConfig(
            ignore_unhandled_exceptions=self._ignore_unhandled,
            serialize_messages=self._serialize,
            stop_grace_period=self._grace,
            tracing=self._tracing,
        )

    @classmethod
    def _from_config(cls, config: InProcessRuntimeConfig) -> InProcessRuntime:
        return cls(
            ignore_unhandled_exceptions=config.ignore_unhandled_exceptions,
            serialize_messages=config.serialize_messages,
            stop_grace_period=config.stop_grace_period,
            tracing=config.tracing,
        )


SingleThreadedAgentRuntime = InProcessRuntime
"""AutoGen's name for the in-process runtime, for migrating code."""
