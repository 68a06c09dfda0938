"""Conformance suite for agent runtimes: every ``AgentRuntime`` implementation passes it.

Subclass :class:`RuntimeConformance` and provide the ``runtime_factory`` fixture: an
async callable that takes runtime options (``intervention_handlers``,
``ignore_unhandled_exceptions``, ``stop_grace_period``) and returns a new, not yet
started runtime::

    class TestMyRuntime(RuntimeConformance):
        @pytest.fixture
        def runtime_factory(self):
            async def make(**options):
                return MyRuntime(**options)
            return make

Set ``serializes_messages = True`` for runtimes whose messages cross a process
boundary (they must refuse what they cannot encode).  Message classes used here are
module-level pydantic models and dataclasses, so serializing runtimes can carry them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, cast

import pytest
from pydantic import BaseModel

from .._errors import (
    AgentCreationError,
    AgentNotFoundError,
    CancelledError,
    CantHandleError,
    ConfigurationError,
    MessageDroppedError,
    RuntimeClosedError,
    SerializationError,
)
from ..cancellation import CancellationToken
from ..middleware import MessageInterceptor
from ..runtime import (
    DROP,
    AgentId,
    AgentRuntime,
    DefaultTopicId,
    MessageContext,
    RoutedAgent,
    TopicId,
    TypePrefixSubscription,
    TypeSubscription,
    default_subscription,
    event,
    message_handler,
    rpc,
)

__all__ = ["RuntimeConformance"]

T = TypeVar("T")
RuntimeFactory = Callable[..., Awaitable[AgentRuntime]]

# A hang must fail the test, not the run; this is a guard, not a timing assertion.
HANG_GUARD_SECONDS = 30.0


async def within(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable``, failing (instead of hanging) if it never completes."""
    return await asyncio.wait_for(awaitable, HANG_GUARD_SECONDS)


# ---------------------------------------------------------------- messages


@dataclass
class Ping:
    """A direct request."""

    value: int


class Note(BaseModel):
    """A published notice."""

    text: str
    seq: int = 0


@dataclass
class Fail:
    """Asks the handler to raise."""

    reason: str


@dataclass
class Call:
    """Asks an agent to send ``payload`` to ``target`` and return the reply."""

    target: str
    key: str
    depth: int = 0


@dataclass
class Cross:
    """Yield a few times (so the other handlers get going), then ping the next agent.

    ``ring`` maps each agent (``str(agent_id)``) to the ``[type, key]`` it pings.
    """

    ring: dict[str, list[str]]


@dataclass
class Relay:
    """Send ``Slow`` to ``AgentId(type, key)`` and return its reply."""

    type: str
    key: str


@dataclass
class Stuck:
    """A handler that never returns and ignores its cancellation token."""


@dataclass
class Slow:
    """A handler that awaits: read, yield, write."""

    tag: str = ""


@dataclass
class WaitForCancel:
    """A handler that waits until its token is cancelled."""


@dataclass
class GiveBadReply:
    """Asks the handler to return something no wire format can carry."""


@dataclass
class Unhandled:
    """No agent in this suite handles this type."""


class NotSerializable:
    """Neither a pydantic model, a dataclass nor a JSON value."""


# ---------------------------------------------------------------- agents


@default_subscription
class Recorder(RoutedAgent):
    """Records what it receives; answers pings; keeps a counter as its state."""

    def __init__(self) -> None:
        super().__init__("records messages")
        self.received: list[Any] = []
        self.count = 0
        self.active = 0
        self.max_active = 0
        self.cancel_seen: asyncio.Event = asyncio.Event()
        self.waiting_for_cancel: asyncio.Event = asyncio.Event()
        self.stuck: asyncio.Event = asyncio.Event()

    @message_handler
    async def on_ping(self, message: Ping, ctx: MessageContext) -> Ping:
        self.count += 1
        self.received.append(message)
        return Ping(message.value + 1)

    @message_handler
    async def on_note(self, message: Note, ctx: MessageContext) -> None:
        self.received.append(message)

    @message_handler
    async def on_fail(self, message: Fail, ctx: MessageContext) -> None:
        raise ValueError(f"asked to fail: {message.reason}")

    @message_handler
    async def on_slow(self, message: Slow, ctx: MessageContext) -> int:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        seen = self.count
        for _ in range(3):
            await asyncio.sleep(0)
        self.count = seen + 1
        self.active -= 1
        return self.count

    @message_handler
    async def on_call(self, message: Call, ctx: MessageContext) -> Any:
        if message.depth > 0:
            return await self.send_message(
                Call(message.target, message.key, message.depth - 1),
                AgentId(message.target, message.key),
            )
        return await self.send_message(Ping(0), AgentId(message.target, message.key))

    @message_handler
    async def on_cross(self, message: Cross, ctx: MessageContext) -> Any:
        for _ in range(5):
            await asyncio.sleep(0)
        target_type, target_key = message.ring[str(self.id)]
        return await self.send_message(Ping(0), AgentId(target_type, target_key))

    @message_handler
    async def on_relay(self, message: Relay, ctx: MessageContext) -> Any:
        await asyncio.sleep(0)
        return await self.send_message(Slow(), AgentId(message.type, message.key))

    @message_handler
    async def on_stuck(self, message: Stuck, ctx: MessageContext) -> None:
        self.stuck.set()
        await asyncio.Event().wait()

    @message_handler
    async def on_wait(self, message: WaitForCancel, ctx: MessageContext) -> None:
        cancelled = asyncio.Event()
        ctx.cancellation_token.add_callback(cancelled.set)
        self.waiting_for_cancel.set()
        await cancelled.wait()
        self.cancel_seen.set()

    @message_handler
    async def on_bad_reply(self, message: GiveBadReply, ctx: MessageContext) -> Any:
        return NotSerializable()

    async def save_state(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "texts": [m.text for m in self.received if isinstance(m, Note)],
        }

    async def load_state(self, state: Any) -> None:
        self.count = state["count"]
        self.received = [Note(text=text) for text in state["texts"]]


class ConcurrentRecorder(Recorder):
    """A recorder that opted in to concurrent handling."""

    concurrent = True


class Splitter(RoutedAgent):
    """Separate handlers for published events and direct RPCs of one type."""

    def __init__(self) -> None:
        super().__init__("splits events and rpcs")
        self.events: list[Note] = []

    @event
    async def on_event(self, message: Note, ctx: MessageContext) -> None:
        self.events.append(message)

    @rpc
    async def on_rpc(self, message: Note, ctx: MessageContext) -> str:
        return f"rpc:{message.text}"


class Topics(RoutedAgent):
    """Publishes on the default topic from inside a handler."""

    def __init__(self) -> None:
        super().__init__("publishes")

    @message_handler
    async def on_ping(self, message: Ping, ctx: MessageContext) -> str:
        topic = DefaultTopicId()
        await self.publish_message(Note(text=f"from {self.id.key}"), topic)
        return topic.source


@dataclass
class _Log:
    """Collects what intervention handlers saw."""

    sends: list[Any] = field(default_factory=list)
    publishes: list[Any] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)


class _Rewriter(MessageInterceptor):
    def __init__(self, log: _Log) -> None:
        self.log = log

    async def on_send(self, message: Any, *, message_context: Any, recipient: Any) -> Any:
        self.log.sends.append((message, recipient))
        if isinstance(message, Ping) and message.value == 13:
            return DROP
        if isinstance(message, Ping) and message.value == 100:
            return Ping(200)
        return message

    async def on_publish(self, message: Any, *, message_context: Any) -> Any:
        self.log.publishes.append(message)
        if isinstance(message, Note) and message.text == "secret":
            return DROP
        return message

    async def on_response(self, message: Any, *, sender: Any, recipient: Any) -> Any:
        self.log.responses.append((message, sender))
        if isinstance(message, Ping) and message.value == 43:
            return DROP
        return message


class RuntimeConformance:
    """Behaviour every ``AgentRuntime`` must show (messaging, concurrency, state, bad input)."""

    serializes_messages: ClassVar[bool] = False

    @pytest.fixture
    def runtime_factory(self) -> RuntimeFactory:
        """Override: an async callable ``(**options) -> AgentRuntime`` (not started)."""
        raise NotImplementedError("RuntimeConformance subclasses must provide runtime_factory")

    @pytest.fixture
    async def runtime(self, runtime_factory: RuntimeFactory) -> AsyncIterator[AgentRuntime]:
        runtime = await runtime_factory()
        runtime.start()
        yield runtime
        await runtime.close()

    @staticmethod
    async def _recorder(runtime: AgentRuntime, key: str = "default") -> Recorder:
        return await runtime.try_get_underlying_agent_instance(AgentId("recorder", key), Recorder)

    # ------------------------------------------------------------ send

    async def test_send_returns_the_handler_reply(self, runtime: AgentRuntime) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        reply = await within(runtime.send_message(Ping(1), AgentId("recorder", "a")))
        assert reply == Ping(2)

    async def test_handler_exception_reaches_the_caller_and_runtime_keeps_working(
        self, runtime: AgentRuntime
    ) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        with pytest.raises(ValueError, match="asked to fail: boom"):
            await within(runtime.send_message(Fail("boom"), AgentId("recorder", "a")))
        assert await within(runtime.send_message(Ping(5), AgentId("recorder", "a"))) == Ping(6)

    async def test_unknown_recipient_is_a_clear_error(self, runtime: AgentRuntime) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        with pytest.raises(AgentNotFoundError, match=r"'nobody'.*recorder"):
            await within(runtime.send_message(Ping(1), AgentId("nobody", "x")))
        assert await within(runtime.send_message(Ping(1), AgentId("recorder", "x"))) == Ping(2)

    async def test_message_without_handler_is_a_clear_error(self, runtime: AgentRuntime) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        with pytest.raises(CantHandleError, match=r"no handler for .*Unhandled"):
            await within(runtime.send_message(Unhandled(), AgentId("recorder", "x")))
        assert await within(runtime.send_message(Ping(1), AgentId("recorder", "x"))) == Ping(2)

    async def test_agents_are_created_lazily_once_per_key(self, runtime: AgentRuntime) -> None:
        created: list[AgentId] = []

        def factory() -> Recorder:
            agent = Recorder()
            created.append(agent.id)
            return agent

        await Recorder.register(runtime, "recorder", factory)
        assert created == []
        await within(runtime.send_message(Ping(1), AgentId("recorder", "a")))
        await within(runtime.send_message(Ping(1), AgentId("recorder", "a")))
        await within(runtime.send_message(Ping(1), AgentId("recorder", "b")))
        assert created == [AgentId("recorder", "a"), AgentId("recorder", "b")]
        assert (await self._recorder(runtime, "a")).count == 2

    async def test_registered_instance_receives_messages(self, runtime: AgentRuntime) -> None:
        agent = Recorder()
        await agent.register_instance(runtime, AgentId("solo", "one"))
        assert await within(runtime.send_message(Ping(1), AgentId("solo", "one"))) == Ping(2)
        assert agent.count == 1
        with pytest.raises(AgentNotFoundError, match="'two'"):
            await within(runtime.send_message(Ping(1), AgentId("solo", "two")))

    async def test_registering_a_type_twice_is_refused(self, runtime: AgentRuntime) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        with pytest.raises(ConfigurationError, match="already registered"):
            await Recorder.register(runtime, "recorder", Recorder)

    async def test_event_and_rpc_handlers_split_by_delivery(self, runtime: AgentRuntime) -> None:
        await Splitter.register(runtime, "splitter", Splitter)
        await runtime.add_subscription(TypeSubscription("notes", "splitter"))
        reply = await within(runtime.send_message(Note(text="x"), AgentId("splitter", "k")))
        assert reply == "rpc:x"
        await runtime.publish_message(Note(text="y"), TopicId("notes", "k"))
        await within(runtime.stop_when_idle())
        agent = await runtime.try_get_underlying_agent_instance(AgentId("splitter", "k"), Splitter)
        assert [note.text for note in agent.events] == ["y"]

    # ------------------------------------------------------------ publish

    async def test_publish_reaches_every_matching_subscription_but_not_the_sender(
        self, runtime: AgentRuntime
    ) -> None:
        await Recorder.register(runtime, "recorder", Recorder)  # @default_subscription
        await Recorder.register(runtime, "typed", Recorder, skip_class_subscriptions=True)
        await runtime.add_subscription(TypeSubscription("news", "typed"))
        await Recorder.register(runtime, "prefixed", Recorder, skip_class_subscriptions=True)
        await runtime.add_subscription(TypePrefixSubscription("ne", "prefixed"))

        await runtime.publish_message(Note(text="d"), DefaultTopicId())
        await runtime.publish_message(Note(text="n"), TopicId("news", "src"))
        await runtime.publish_message(
            Note(text="self"), TopicId("news", "src"), sender=AgentId("typed", "src")
        )
        await within(runtime.stop_when_idle())

        def texts(agent: Recorder) -> list[str]:
            return [m.text for m in agent.received]

        assert texts(await self._recorder(runtime)) == ["d"]
        typed = await runtime.try_get_underlying_agent_instance(AgentId("typed", "src"), Recorder)
        assert texts(typed) == ["n"]
        prefixed = await runtime.try_get_underlying_agent_instance(
            AgentId("prefixed", "src"), Recorder
        )
        assert texts(prefixed) == ["n", "self"]

    async def test_direct_message_channel_subscription(self, runtime: AgentRuntime) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        await runtime.publish_message(Note(text="direct"), TopicId("recorder:inbox", "k"))
        await within(runtime.stop_when_idle())
        assert [m.text for m in (await self._recorder(runtime, "k")).received] == ["direct"]

    async def test_subscriptions_can_be_added_and_removed_at_run_time(
        self, runtime: AgentRuntime
    ) -> None:
        await Recorder.register(runtime, "recorder", Recorder, skip_class_subscriptions=True)
        subscription = TypeSubscription("live", "recorder")
        await runtime.publish_message(Note(text="before"), TopicId("live", "k"))
        await runtime.add_subscription(subscription)
        await runtime.publish_message(Note(text="during"), TopicId("live", "k"))
        await runtime.remove_subscription(subscription.id)
        await runtime.publish_message(Note(text="after"), TopicId("live", "k"))
        await within(runtime.stop_when_idle())
        assert [m.text for m in (await self._recorder(runtime, "k")).received] == ["during"]

    async def test_duplicate_or_unknown_subscription_is_a_clear_error(
        self, runtime: AgentRuntime
    ) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        subscription = TypeSubscription("t", "recorder")
        await runtime.add_subscription(subscription)
        with pytest.raises(ConfigurationError, match="already exists"):
            await runtime.add_subscription(TypeSubscription("t", "recorder"))
        with pytest.raises(ConfigurationError, match="no subscription with id 'missing'"):
            await runtime.remove_subscription("missing")

    async def test_default_topic_source_is_the_handling_agents_key(
        self, runtime: AgentRuntime
    ) -> None:
        await Topics.register(runtime, "topics", Topics)
        await Recorder.register(runtime, "recorder", Recorder)
        assert await within(runtime.send_message(Ping(0), AgentId("topics", "k7"))) == "k7"
        await within(runtime.stop_when_idle())
        assert [m.text for m in (await self._recorder(runtime, "k7")).received] == ["from k7"]

    async def test_publish_handler_error_does_not_stop_the_runtime(
        self, runtime: AgentRuntime
    ) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        await runtime.publish_message(Fail("in publish"), DefaultTopicId())
        await runtime.publish_message(Note(text="still here"), DefaultTopicId())
        assert await within(runtime.send_message(Ping(1), AgentId("recorder", "default"))) == Ping(
            2
        )
        await within(runtime.stop_when_idle())
        assert [m for m in (await self._recorder(runtime)).received if isinstance(m, Note)] == [
            Note(text="still here")
        ]

    async def test_unhandled_publish_errors_can_be_raised_at_stop(
        self, runtime_factory: RuntimeFactory
    ) -> None:
        runtime = await runtime_factory(ignore_unhandled_exceptions=False)
        await Recorder.register(runtime, "recorder", Recorder)
        runtime.start()
        await runtime.publish_message(Fail("surface me"), DefaultTopicId())
        with pytest.raises(ValueError, match="surface me"):
            await within(runtime.stop_when_idle())
        await runtime.close()

    # ------------------------------------------------------------ interventions

    async def test_intervention_handlers_inspect_rewrite_and_drop(
        self, runtime_factory: RuntimeFactory
    ) -> None:
        log = _Log()
        runtime = await runtime_factory(intervention_handlers=[_Rewriter(log)])
        await Recorder.register(runtime, "recorder", Recorder)
        runtime.start()
        recipient = AgentId("recorder", "default")
        assert await within(runtime.send_message(Ping(100), recipient)) == Ping(201)
        with pytest.raises(MessageDroppedError, match="recorder/default"):
            await within(runtime.send_message(Ping(13), recipient))
        with pytest.raises(MessageDroppedError, match="reply"):
            await within(runtime.send_message(Ping(42), recipient))
        await runtime.publish_message(Note(text="secret"), DefaultTopicId())
        await runtime.publish_message(Note(text="public"), DefaultTopicId())
        await within(runtime.stop_when_idle())
        agent = await self._recorder(runtime)
        assert [m.text for m in agent.received if isinstance(m, Note)] == ["public"]
        assert Ping(13) not in agent.received
        assert [m for m, _ in log.sends] == [Ping(100), Ping(13), Ping(42)]
        assert [m.text for m in log.publishes] == ["secret", "public"]
        assert log.responses[0] == (Ping(201), recipient)
        await runtime.close()

    # ------------------------------------------------------------ cancellation

    async def test_cancelled_send_raises_and_the_handler_sees_the_token(
        self, runtime: AgentRuntime
    ) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        agent = await self._recorder(runtime)
        token = CancellationToken()
        send = asyncio.ensure_future(
            runtime.send_message(
                WaitForCancel(), AgentId("recorder", "default"), cancellation_token=token
            )
        )
        # Cancel once the handler runs: a message cancelled while still on its way (over
        # a wire, say) is never handled, so its handler would see no token at all.
        await within(agent.waiting_for_cancel.wait())
        token.cancel()
        with pytest.raises(CancelledError, match="recorder/default"):
            await within(send)
        await within(agent.cancel_seen.wait())
        assert await within(runtime.send_message(Ping(1), AgentId("recorder", "default"))) == Ping(
            2
        )

    async def test_send_with_an_already_cancelled_token_is_refused(
        self, runtime: AgentRuntime
    ) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        token = CancellationToken()
        token.cancel()
        with pytest.raises(CancelledError):
            await within(
                runtime.send_message(Ping(1), AgentId("recorder", "x"), cancellation_token=token)
            )
        assert (await self._recorder(runtime, "x")).count == 0

    # ------------------------------------------------------------ lifecycle

    async def test_stop_when_idle_delivers_everything_published_before(
        self, runtime_factory: RuntimeFactory
    ) -> None:
        runtime = await runtime_factory()
        await Recorder.register(runtime, "recorder", Recorder)
        for seq in range(20):
            await runtime.publish_message(Note(text="n", seq=seq), DefaultTopicId())
        runtime.start()
        await within(runtime.stop_when_idle())
        assert [m.seq for m in (await self._recorder(runtime)).received] == list(range(20))
        await runtime.close()

    async def test_send_and_publish_after_stop_are_clear_errors(
        self, runtime: AgentRuntime
    ) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        await within(runtime.stop())
        with pytest.raises(RuntimeClosedError, match="start"):
            await within(runtime.publish_message(Note(text="late"), DefaultTopicId()))
        with pytest.raises(RuntimeClosedError, match="stopped"):
            await within(runtime.send_message(Ping(1), AgentId("recorder", "x")))
        runtime.start()
        assert await within(runtime.send_message(Ping(1), AgentId("recorder", "x"))) == Ping(2)

    async def test_close_closes_agents_and_refuses_further_messages(
        self, runtime_factory: RuntimeFactory
    ) -> None:
        closed: list[AgentId] = []

        class Closing(Recorder):
            async def close(self) -> None:
                closed.append(self.id)

        runtime = await runtime_factory()
        await Closing.register(runtime, "closing", Closing)
        runtime.start()
        await within(runtime.send_message(Ping(1), AgentId("closing", "a")))
        await within(runtime.close())
        assert closed == [AgentId("closing", "a")]
        with pytest.raises(RuntimeClosedError, match="closed"):
            await within(runtime.send_message(Ping(1), AgentId("closing", "a")))

    # ------------------------------------------------------------ concurrency

    async def test_one_agents_handlers_never_interleave(self, runtime: AgentRuntime) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        recipient = AgentId("recorder", "default")
        replies = await within(
            asyncio.gather(*(runtime.send_message(Slow(), recipient) for _ in range(50)))
        )
        await runtime.publish_message(Slow(), DefaultTopicId())
        await within(runtime.stop_when_idle())
        agent = await self._recorder(runtime)
        assert sorted(replies) == list(range(1, 51))
        assert agent.count == 51
        assert agent.max_active == 1

    async def test_concurrent_agents_opt_in_to_interleaving(self, runtime: AgentRuntime) -> None:
        await ConcurrentRecorder.register(runtime, "concurrent", ConcurrentRecorder)
        recipient = AgentId("concurrent", "default")
        await within(asyncio.gather(*(runtime.send_message(Slow(), recipient) for _ in range(10))))
        agent = await runtime.try_get_underlying_agent_instance(recipient, ConcurrentRecorder)
        assert agent.max_active > 1

    async def test_different_agents_run_concurrently(self, runtime: AgentRuntime) -> None:
        entered: list[str] = []
        release = asyncio.Event()

        class Waiter(RoutedAgent):
            def __init__(self) -> None:
                super().__init__("waits for the other agent")

            @message_handler
            async def on_ping(self, message: Ping, ctx: MessageContext) -> str:
                entered.append(self.id.key)
                if len(entered) == 2:
                    release.set()
                await release.wait()
                return self.id.key

        await Waiter.register(runtime, "waiter", Waiter)
        first = runtime.send_message(Ping(0), AgentId("waiter", "a"))
        second = runtime.send_message(Ping(0), AgentId("waiter", "b"))
        replies: list[Any] = list(await within(asyncio.gather(first, second)))
        assert replies == ["a", "b"]

    async def test_agents_calling_each_other_back_do_not_deadlock(
        self, runtime: AgentRuntime
    ) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        # A -> B -> A: a's handler asks b, whose handler pings a back.
        reply = await within(
            runtime.send_message(Call("recorder", "a", depth=1), AgentId("recorder", "b"))
        )
        assert reply == Ping(1)
        # A -> A: an agent sending to itself from inside a handler.
        reply = await within(
            runtime.send_message(Call("recorder", "self"), AgentId("recorder", "self"))
        )
        assert reply == Ping(1)
        assert (await self._recorder(runtime, "a")).count == 1
        assert (await self._recorder(runtime, "self")).count == 1

    @pytest.mark.parametrize("agents", [2, 3])
    async def test_crossed_call_chains_do_not_deadlock(
        self, runtime: AgentRuntime, agents: int
    ) -> None:
        # Each agent's handler pings the next one in the ring while every other
        # handler is busy doing the same: X -> Y while Y -> X (or X -> Y -> Z -> X).
        await Recorder.register(runtime, "recorder", Recorder)
        ids = [AgentId("recorder", f"k{i}") for i in range(agents)]
        ring = {str(ids[i]): ["recorder", ids[(i + 1) % agents].key] for i in range(agents)}
        replies = await within(
            asyncio.gather(*(runtime.send_message(Cross(ring), agent_id) for agent_id in ids))
        )
        assert replies == [Ping(1)] * agents
        for agent_id in ids:
            assert (await self._recorder(runtime, agent_id.key)).count == 1

    async def test_crossed_chains_from_published_messages_do_not_hang_stop(
        self, runtime: AgentRuntime
    ) -> None:
        for agent_type in ("left", "right"):
            await Recorder.register(runtime, agent_type, Recorder, skip_class_subscriptions=True)
            await runtime.add_subscription(TypeSubscription("cross", agent_type))
        ring = {"left/k": ["right", "k"], "right/k": ["left", "k"]}
        await runtime.publish_message(Cross(ring), TopicId("cross", "k"))
        await within(runtime.stop_when_idle())
        for agent_type in ("left", "right"):
            agent = await runtime.try_get_underlying_agent_instance(
                AgentId(agent_type, "k"), Recorder
            )
            assert agent.count == 1

    async def test_200_concurrent_read_modify_write_sends_all_count(
        self, runtime: AgentRuntime
    ) -> None:
        # Half from outside any agent, half from inside other agents' handlers (call
        # chains that wait on the counter): none may interleave with another.
        await Recorder.register(runtime, "recorder", Recorder)
        counter = AgentId("recorder", "counter")
        sends = [runtime.send_message(Slow(), counter) for _ in range(100)]
        sends += [
            runtime.send_message(Relay("recorder", "counter"), AgentId("recorder", f"r{i}"))
            for i in range(100)
        ]
        replies = await within(asyncio.gather(*sends))
        agent = await self._recorder(runtime, "counter")
        assert sorted(replies) == list(range(1, 201))
        assert agent.count == 200
        assert agent.max_active == 1

    async def test_stop_with_a_handler_that_never_returns(
        self, runtime_factory: RuntimeFactory
    ) -> None:
        runtime = await runtime_factory(stop_grace_period=0.1)
        await Recorder.register(runtime, "recorder", Recorder)
        runtime.start()
        recipient = AgentId("recorder", "default")
        agent = await self._recorder(runtime)
        # Published first, so the stuck send is handled by the runtime, not inline.
        await runtime.publish_message(Slow(), DefaultTopicId())
        stuck = asyncio.ensure_future(runtime.send_message(Stuck(), recipient))
        queued = asyncio.ensure_future(runtime.send_message(Ping(1), recipient))
        await within(agent.stuck.wait())
        # stop_when_idle legitimately waits for the stuck handler, but can be given up on.
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(runtime.stop_when_idle(), 0.1)
        await within(runtime.stop())
        with pytest.raises(RuntimeClosedError):
            await within(queued)
        with pytest.raises((RuntimeClosedError, CancelledError)):
            await within(stuck)
        # The agent is free again after a restart, and close() finishes.
        runtime.start()
        assert await within(runtime.send_message(Ping(1), recipient)) == Ping(2)
        await within(runtime.close())

    async def test_order_from_one_sender_is_preserved(self, runtime: AgentRuntime) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        sender = AgentId("producer", "p")
        for seq in range(100):
            await runtime.publish_message(Note(text="o", seq=seq), DefaultTopicId(), sender=sender)
        recipient = AgentId("recorder", "default")
        sends = [asyncio.ensure_future(runtime.send_message(Ping(i), recipient)) for i in range(50)]
        await within(asyncio.gather(*sends))
        await within(runtime.stop_when_idle())
        received = (await self._recorder(runtime)).received
        assert [m.seq for m in received if isinstance(m, Note)] == list(range(100))
        assert [m.value for m in received if isinstance(m, Ping)] == list(range(50))

    # ------------------------------------------------------------ state

    async def test_state_round_trips_through_json_and_continues_elsewhere(
        self, runtime_factory: RuntimeFactory
    ) -> None:
        first = await runtime_factory()
        await Recorder.register(first, "recorder", Recorder)
        first.start()
        for value in range(3):
            await within(first.send_message(Ping(value), AgentId("recorder", "k")))
        await first.publish_message(Note(text="remember me"), TopicId("default", "k"))
        await first.add_subscription(TypeSubscription("extra", "recorder"))
        await within(first.stop_when_idle())
        saved = await first.save_state()
        text = json.dumps(saved)
        assert json.loads(text) == saved
        await first.close()

        second = await runtime_factory()
        await Recorder.register(second, "recorder", Recorder)
        second.start()
        await second.load_state(json.loads(text))
        assert await second.save_state() == saved
        await within(second.send_message(Ping(9), AgentId("recorder", "k")))
        await second.publish_message(Note(text="via saved subscription"), TopicId("extra", "k"))
        await within(second.stop_when_idle())
        agent = await second.try_get_underlying_agent_instance(AgentId("recorder", "k"), Recorder)
        assert agent.count == 4
        assert [m.text for m in agent.received if isinstance(m, Note)] == [
            "remember me",
            "via saved subscription",
        ]
        await second.close()

    async def test_per_agent_state_and_metadata(self, runtime: AgentRuntime) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        agent_id = AgentId("recorder", "m")
        await runtime.agent_load_state(agent_id, {"count": 7, "texts": ["t"]})
        assert await runtime.agent_save_state(agent_id) == {"count": 7, "texts": ["t"]}
        metadata = await runtime.agent_metadata(agent_id)
        assert (metadata.type, metadata.key, metadata.description) == (
            "recorder",
            "m",
            "records messages",
        )

    async def test_state_that_is_not_json_is_a_clear_error(self, runtime: AgentRuntime) -> None:
        class Odd(Recorder):
            async def save_state(self) -> dict[str, Any]:
                return {"when": object()}

        await Odd.register(runtime, "odd", Odd)
        await within(runtime.send_message(Ping(1), AgentId("odd", "x")))
        with pytest.raises(SerializationError, match="odd/x"):
            await runtime.save_state()

    async def test_loading_state_for_an_unregistered_type_is_a_clear_error(
        self, runtime: AgentRuntime
    ) -> None:
        with pytest.raises(AgentNotFoundError, match="ghost"):
            await runtime.load_state({"ghost/x": {"count": 1}})

    # ------------------------------------------------------------ bad input

    async def test_factory_errors_reach_the_sender(self, runtime: AgentRuntime) -> None:
        calls: list[int] = []

        def flaky() -> Recorder:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("no model configured")
            return Recorder()

        await Recorder.register(runtime, "flaky", flaky)
        with pytest.raises(AgentCreationError, match=r"flaky/a.*no model configured"):
            await within(runtime.send_message(Ping(1), AgentId("flaky", "a")))
        assert await within(runtime.send_message(Ping(1), AgentId("flaky", "a"))) == Ping(2)

    async def test_factory_returning_a_non_agent_is_a_clear_error(
        self, runtime: AgentRuntime
    ) -> None:
        await runtime.register_factory("broken", cast(Any, lambda: "not an agent"))
        with pytest.raises(AgentCreationError, match="broken"):
            await within(runtime.send_message(Ping(1), AgentId("broken", "a")))

    async def test_wrong_argument_types_are_clear_errors(self, runtime: AgentRuntime) -> None:
        await Recorder.register(runtime, "recorder", Recorder)
        with pytest.raises(ConfigurationError, match="AgentId"):
            await runtime.send_message(Ping(1), "recorder/a")  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="TopicId"):
            await runtime.publish_message(Note(text="x"), "default")  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="invalid agent type"):
            AgentId("bad type!", "k")
        assert await within(runtime.send_message(Ping(1), AgentId("recorder", "a"))) == Ping(2)

    async def test_unserializable_messages_and_replies(self, runtime: AgentRuntime) -> None:
        """Serializing runtimes refuse them clearly; in-process ones hand objects over as-is."""
        await Recorder.register(runtime, "recorder", Recorder)
        recipient = AgentId("recorder", "s")
        if self.serializes_messages:
            with pytest.raises(SerializationError, match="NotSerializable"):
                await within(runtime.send_message(NotSerializable(), recipient))
            with pytest.raises(SerializationError, match="reply"):
                await within(runtime.send_message(GiveBadReply(), recipient))
        else:
            with pytest.raises(CantHandleError, match="NotSerializable"):
                await within(runtime.send_message(NotSerializable(), recipient))
            reply = await within(runtime.send_message(GiveBadReply(), recipient))
            assert isinstance(reply, NotSerializable)
        assert await within(runtime.send_message(Ping(1), recipient)) == Ping(2)
