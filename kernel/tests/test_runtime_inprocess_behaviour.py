"""In-process runtime specifics: scheduling details, stop semantics, specs, a new process."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import subprocess
import sys
import textwrap
import weakref
from dataclasses import dataclass
from typing import Any

import pytest
import retinue
import retinue.middleware
from retinue import CancellationToken, RuntimeClosedError
from retinue.runtime import (
    AgentId,
    InProcessRuntime,
    MessageContext,
    RoutedAgent,
    SingleThreadedAgentRuntime,
    message_handler,
)


@dataclass
class Hop:
    """Forward to ``route[0]``, which forwards to the rest; the last one answers."""

    route: list[str]


@dataclass
class Later:
    """Spawn a task that sends back to this agent after the handler returned."""


@dataclass
class Count:
    pass


class Hopper(RoutedAgent):
    def __init__(self) -> None:
        super().__init__("hops")
        self.count = 0
        self.active = 0
        self.max_active = 0
        self.background: asyncio.Future[Any] | None = None

    @message_handler
    async def on_hop(self, message: Hop, ctx: MessageContext) -> list[str]:
        if not message.route:
            return [self.id.key]
        rest = await self.send_message(
            Hop(message.route[1:]),
            AgentId("hopper", message.route[0]),
            cancellation_token=ctx.cancellation_token,
        )
        return [self.id.key, *rest]

    @message_handler
    async def on_later(self, message: Later, ctx: MessageContext) -> None:
        sends = asyncio.gather(*(self.send_message(Count(), self.id) for _ in range(5)))
        self.background = sends

    @message_handler
    async def on_count(self, message: Count, ctx: MessageContext) -> int:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        await asyncio.sleep(0)
        self.count += 1
        self.active -= 1
        return self.count


@pytest.fixture
async def runtime() -> Any:
    runtime = InProcessRuntime()
    await Hopper.register(runtime, "hopper", Hopper)
    runtime.start()
    yield runtime
    await runtime.close()


async def test_reentrant_chains_with_cancellation_tokens_do_not_deadlock(
    runtime: InProcessRuntime,
) -> None:
    token = CancellationToken()
    reply = await asyncio.wait_for(
        runtime.send_message(
            Hop(["b", "a", "a", "b"]), AgentId("hopper", "a"), cancellation_token=token
        ),
        30,
    )
    assert reply == ["a", "b", "a", "a", "b"]


async def test_tasks_outliving_a_handler_queue_behind_the_agent(
    runtime: InProcessRuntime,
) -> None:
    agent_id = AgentId("hopper", "x")
    await runtime.send_message(Later(), agent_id)
    agent = await runtime.try_get_underlying_agent_instance(agent_id, Hopper)
    assert agent.background is not None
    assert sorted(await asyncio.wait_for(agent.background, 30)) == [1, 2, 3, 4, 5]
    assert agent.max_active == 1


async def test_stop_fails_queued_sends_instead_of_hanging() -> None:
    runtime = InProcessRuntime()
    gate = asyncio.Event()

    class Blocking(RoutedAgent):
        @message_handler
        async def on_count(self, message: Count, ctx: MessageContext) -> str:
            await gate.wait()
            return "done"

    await Blocking.register(runtime, "blocking", Blocking)
    runtime.start()
    recipient = AgentId("blocking", "k")
    first = asyncio.ensure_future(runtime.send_message(Count(), recipient))
    queued = asyncio.ensure_future(runtime.send_message(Count(), recipient))
    for _ in range(5):
        await asyncio.sleep(0)
    stopping = asyncio.ensure_future(runtime.stop())
    await asyncio.sleep(0)
    gate.set()
    await asyncio.wait_for(stopping, 30)
    assert await asyncio.wait_for(first, 30) == "done"
    with pytest.raises(RuntimeClosedError, match="stopped before message"):
        await asyncio.wait_for(queued, 30)


async def test_stop_when_idle_before_start_is_a_clear_error() -> None:
    with pytest.raises(RuntimeClosedError, match="start"):
        await InProcessRuntime().stop_when_idle()


async def test_runtime_is_a_component_and_a_registered_provider() -> None:
    runtime = retinue.create("runtime", "inprocess", serialize_messages=True)
    assert isinstance(runtime, InProcessRuntime)
    spec = runtime.dump_component()
    assert (spec.provider, spec.kind) == ("inprocess", "runtime")
    assert spec.config == {
        "ignore_unhandled_exceptions": True,
        "serialize_messages": True,
        "stop_grace_period": 5.0,
        "tracing": True,
    }
    loaded = retinue.load_component(spec.model_dump())
    assert isinstance(loaded, InProcessRuntime)
    assert loaded.dump_component() == spec
    assert SingleThreadedAgentRuntime is InProcessRuntime


def test_a_new_process_continues_from_saved_state(tmp_path: Any) -> None:
    script = textwrap.dedent(
        """
        import asyncio, json, sys
        from dataclasses import dataclass
        from retinue.runtime import (
            AgentId, InProcessRuntime, MessageContext, RoutedAgent, TypeSubscription,
            TopicId, message_handler,
        )

        @dataclass
        class Add:
            n: int

        class Summer(RoutedAgent):
            def __init__(self):
                super().__init__("sums")
                self.total = 0

            @message_handler
            async def on_add(self, message: Add, ctx: MessageContext) -> int:
                self.total += message.n
                return self.total

            async def save_state(self):
                return {"total": self.total}

            async def load_state(self, state):
                self.total = state["total"]

        async def main(mode, path):
            runtime = InProcessRuntime()
            await Summer.register(runtime, "summer", Summer)
            runtime.start()
            if mode == "load":
                with open(path) as f:
                    await runtime.load_state(json.load(f))
            else:
                await runtime.add_subscription(TypeSubscription("adds", "summer"))
            for n in (1, 2, 3):
                await runtime.publish_message(Add(n), TopicId("adds", "k"))
            await runtime.stop_when_idle()
            runtime.start()
            print(await runtime.send_message(Add(0), AgentId("summer", "k")))
            if mode == "save":
                with open(path, "w") as f:
                    json.dump(await runtime.save_state(), f)
            await runtime.close()

        asyncio.run(main(sys.argv[1], sys.argv[2]))
        """
    )
    path = str(tmp_path / "state.json")

    def run(mode: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", script, mode, path], capture_output=True, text=True, check=True
        ).stdout.strip()

    assert run("save") == "6"
    # The loading process never adds the subscription itself: it comes from the state.
    assert run("load") == "12"
    with open(path) as saved:
        assert json.load(saved)["agents"] == {"summer/k": {"total": 6}}


class PlainPayload:
    """A message class with no wire format (neither pydantic, dataclass nor JSON)."""

    def __init__(self, text: str) -> None:
        self.text = text


class PlainHandler(RoutedAgent):
    @message_handler
    async def on_plain(self, message: PlainPayload, ctx: MessageContext) -> str:
        return message.text


async def test_agents_handling_types_without_a_wire_format_still_work_in_process() -> None:
    runtime = InProcessRuntime()
    await PlainHandler.register(runtime, "plain", PlainHandler)
    runtime.start()
    assert await runtime.send_message(PlainPayload("kept"), AgentId("plain", "k")) == "kept"
    await runtime.close()


async def test_closure_agents_collect_published_output() -> None:
    from retinue import CantHandleError
    from retinue.runtime import ClosureAgent, ClosureContext, TopicId, TypeSubscription

    collected: list[str] = []

    async def collect(agent: ClosureContext, message: str, ctx: MessageContext) -> str:
        collected.append(f"{agent.id.key}:{message}")
        return "stored"

    runtime = InProcessRuntime()
    await ClosureAgent.register_closure(
        runtime,
        "collector",
        collect,
        unknown_type_policy="error",
        subscriptions=lambda: [TypeSubscription("output", "collector")],
    )
    runtime.start()
    await runtime.publish_message("first", TopicId("output", "run1"))
    assert await runtime.send_message("second", AgentId("collector", "run1")) == "stored"
    with pytest.raises(CantHandleError, match="not Count"):
        await runtime.send_message(Count(), AgentId("collector", "run1"))
    await runtime.stop_when_idle()
    assert collected == ["run1:first", "run1:second"]


async def test_closure_without_a_message_annotation_is_refused() -> None:
    from retinue import ConfigurationError
    from retinue.runtime import ClosureAgent

    async def untyped(agent, message, ctx):  # type: ignore[no-untyped-def]
        return None

    with pytest.raises(ConfigurationError, match="needs a type annotation"):
        await ClosureAgent.register_closure(InProcessRuntime(), "untyped", untyped)


class _GatedInterceptor(retinue.middleware.MessageInterceptor):
    """Holds every send and publish until ``gate`` opens (the runtime stops meanwhile)."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def on_send(self, message: Any, *, message_context: Any, recipient: Any) -> Any:
        self.entered.set()
        await self.gate.wait()
        return message

    async def on_publish(self, message: Any, *, message_context: Any) -> Any:
        self.entered.set()
        await self.gate.wait()
        return message


async def test_a_send_in_flight_when_the_runtime_stops_fails_instead_of_hanging() -> None:
    gated = _GatedInterceptor()
    runtime = InProcessRuntime(intervention_handlers=[gated])
    await Hopper.register(runtime, "hopper", Hopper)
    runtime.start()
    sending = asyncio.ensure_future(runtime.send_message(Count(), AgentId("hopper", "a")))
    await asyncio.wait_for(gated.entered.wait(), 30)
    await runtime.stop()
    gated.gate.set()
    with pytest.raises(RuntimeClosedError, match="stopped"):
        await asyncio.wait_for(sending, 30)
    # The runtime still works once started again.
    runtime.start()
    assert await asyncio.wait_for(runtime.send_message(Count(), AgentId("hopper", "a")), 30) == 1
    await runtime.close()


async def test_a_publish_in_flight_when_the_runtime_stops_is_a_clear_error() -> None:
    gated = _GatedInterceptor()
    runtime = InProcessRuntime(intervention_handlers=[gated])
    await Hopper.register(runtime, "hopper", Hopper)
    await runtime.add_subscription(retinue.runtime.TypeSubscription("counts", "hopper"))
    runtime.start()
    publishing = asyncio.ensure_future(
        runtime.publish_message(Count(), retinue.runtime.TopicId("counts", "a"))
    )
    await asyncio.wait_for(gated.entered.wait(), 30)
    await runtime.stop()
    gated.gate.set()
    with pytest.raises(RuntimeClosedError, match="stopped"):
        await asyncio.wait_for(publishing, 30)
    await runtime.close()


async def test_a_malformed_runtime_state_is_a_clear_error_and_the_runtime_keeps_working(
    runtime: InProcessRuntime,
) -> None:
    with pytest.raises(retinue.SerializationError, match="'agents' of a runtime state"):
        await runtime.load_state({"version": 1, "agents": ["hopper/a"]})
    assert await runtime.send_message(Count(), AgentId("hopper", "a")) == 1


class Boom(Exception):
    pass


@dataclass
class Explode:
    pass


class Exploder(RoutedAgent):
    def __init__(self) -> None:
        super().__init__("fails on Explode")

    @message_handler
    async def on_explode(self, message: Explode, ctx: MessageContext) -> None:
        raise Boom("published handler failed")

    @message_handler
    async def on_count(self, message: Count, ctx: MessageContext) -> int:
        return 1


async def test_ignored_publish_errors_are_not_kept_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    # Logging is off here: a log handler may keep the record (and its exception) itself.
    monkeypatch.setattr(logging.getLogger("retinue.runtime._scheduler"), "disabled", True)
    runtime = InProcessRuntime()
    await Exploder.register(runtime, "exploder", Exploder)
    await runtime.add_subscription(retinue.runtime.TypeSubscription("boom", "exploder"))
    runtime.start()
    errors: list[weakref.ref[BaseException]] = []
    original = runtime._report_unhandled

    def spy(recipient: AgentId, envelope: Any, exc: Exception) -> None:
        errors.append(weakref.ref(exc))
        original(recipient, envelope, exc)

    monkeypatch.setattr(runtime, "_report_unhandled", spy)
    for _ in range(3):
        await runtime.publish_message(Explode(), retinue.runtime.TopicId("boom", "k"))
    # Queued behind the publishes, so they have been handled once this returns.
    assert await runtime.send_message(Count(), AgentId("exploder", "k")) == 1
    gc.collect()
    assert len(errors) == 3
    assert all(ref() is None for ref in errors)
    await runtime.close()


async def test_a_cancelled_send_waiting_in_the_mailbox_is_never_handled() -> None:
    gate = asyncio.Event()
    handled: list[str] = []

    class Gated(RoutedAgent):
        @message_handler
        async def on_hop(self, message: Hop, ctx: MessageContext) -> str:
            await gate.wait()
            handled.append(message.route[0])
            return message.route[0]

    runtime = InProcessRuntime()
    await Gated.register(runtime, "gated", lambda: Gated("waits for the gate"))
    runtime.start()
    recipient = AgentId("gated", "k")
    first = asyncio.ensure_future(runtime.send_message(Hop(["first"]), recipient))
    token = CancellationToken()
    queued = asyncio.ensure_future(
        runtime.send_message(Hop(["queued"]), recipient, cancellation_token=token)
    )
    for _ in range(5):
        await asyncio.sleep(0)
    token.cancel()
    with pytest.raises(retinue.CancelledError, match="gated/k"):
        await asyncio.wait_for(queued, 30)
    gate.set()
    assert await asyncio.wait_for(first, 30) == "first"
    assert await asyncio.wait_for(runtime.send_message(Hop(["after"]), recipient), 30) == "after"
    assert handled == ["first", "after"]
    await runtime.close()


@dataclass
class StopFromInside:
    pass


class Stopper(RoutedAgent):
    """Stops its own runtime from inside a handler."""

    def __init__(self) -> None:
        super().__init__("stops the runtime")
        self.stopped = asyncio.Event()

    @message_handler
    async def on_stop(self, message: StopFromInside, ctx: MessageContext) -> None:
        await self.runtime.stop()
        self.stopped.set()


async def test_a_handler_can_stop_its_own_runtime() -> None:
    # Published, so the handler runs in one of the runtime's tasks, which stop() must
    # not wait for (it would wait for itself).
    runtime = InProcessRuntime(stop_grace_period=30)
    await Stopper.register(runtime, "stopper", Stopper)
    await runtime.add_subscription(retinue.runtime.TypeSubscription("stop", "stopper"))
    runtime.start()
    await runtime.publish_message(StopFromInside(), retinue.runtime.TopicId("stop", "k"))
    agent = await runtime.try_get_underlying_agent_instance(AgentId("stopper", "k"), Stopper)
    await asyncio.wait_for(agent.stopped.wait(), 10)
    assert not runtime.is_running
    await asyncio.wait_for(runtime.close(), 10)


@dataclass
class AwaitToken:
    pass


class TokenWatcher(RoutedAgent):
    def __init__(self) -> None:
        super().__init__("returns when its token is cancelled")
        self.entered = asyncio.Event()

    @message_handler
    async def on_await(self, message: AwaitToken, ctx: MessageContext) -> str:
        cancelled = asyncio.Event()
        ctx.cancellation_token.add_callback(cancelled.set)
        self.entered.set()
        await cancelled.wait()
        return "token cancelled"


async def test_stop_cancels_the_token_of_a_handler_running_in_its_senders_task() -> None:
    runtime = InProcessRuntime(stop_grace_period=0.05)
    await TokenWatcher.register(runtime, "watcher", TokenWatcher)
    runtime.start()
    recipient = AgentId("watcher", "k")
    # Sent from outside to an idle agent: the handler runs inline in this task.
    sending = asyncio.ensure_future(runtime.send_message(AwaitToken(), recipient))
    agent = await runtime.try_get_underlying_agent_instance(recipient, TokenWatcher)
    await asyncio.wait_for(agent.entered.wait(), 10)
    await asyncio.wait_for(runtime.stop(), 10)
    assert await asyncio.wait_for(sending, 10) == "token cancelled"
    runtime.start()
    agent.entered.clear()
    sending = asyncio.ensure_future(runtime.send_message(AwaitToken(), recipient))
    # The send must be running before close(): since 3.12 wait_for() runs close() in
    # this task at once, ahead of the task just scheduled, which would then find the
    # runtime closed.
    await asyncio.wait_for(agent.entered.wait(), 10)
    await asyncio.wait_for(runtime.close(), 10)
    assert await asyncio.wait_for(sending, 10) == "token cancelled"


async def test_waiters_for_an_agent_whose_creation_was_cancelled_get_an_error() -> None:
    gate = asyncio.Event()
    entered = asyncio.Event()

    async def slow_factory() -> Hopper:
        entered.set()
        await gate.wait()
        return Hopper()

    runtime = InProcessRuntime()
    await runtime.register_factory("slow", slow_factory)
    runtime.start()
    recipient = AgentId("slow", "k")
    creating = asyncio.ensure_future(runtime.send_message(Count(), recipient))
    await asyncio.wait_for(entered.wait(), 10)
    waiting = asyncio.ensure_future(runtime.get(recipient, lazy=False))
    await asyncio.sleep(0)
    creating.cancel()
    with pytest.raises(retinue.AgentCreationError, match=r"slow/k.*cancelled"):
        await asyncio.wait_for(waiting, 10)
    gate.set()
    assert await asyncio.wait_for(runtime.send_message(Count(), recipient), 10) == 1
    await runtime.close()


@pytest.mark.parametrize("grace", [-1, "soon", True])
def test_a_bad_stop_grace_period_is_a_clear_error(grace: Any) -> None:
    with pytest.raises(retinue.ConfigurationError, match="stop_grace_period"):
        InProcessRuntime(stop_grace_period=grace)


async def test_crossed_chains_with_cancellation_tokens_complete() -> None:
    # Each send carries a token, so the handlers run in tasks and the send that closes
    # the cycle takes the token path; afterwards no mailbox is left held.
    runtime = InProcessRuntime()
    await Hopper.register(runtime, "hopper", Hopper)
    runtime.start()
    token = CancellationToken()
    replies = await asyncio.wait_for(
        asyncio.gather(
            runtime.send_message(Hop(["b", "a"]), AgentId("hopper", "a"), cancellation_token=token),
            runtime.send_message(Hop(["a", "b"]), AgentId("hopper", "b"), cancellation_token=token),
        ),
        10,
    )
    assert replies == [["a", "b", "a"], ["b", "a", "b"]]
    assert all(mailbox.holder is None for mailbox in runtime._mailboxes.values())
    await runtime.close()


class Refused(Exception):
    """What the queued handler raises."""


async def test_a_queued_send_whose_handler_raises_fails_its_sender_only() -> None:
    gate = asyncio.Event()
    handled: list[str] = []

    class Picky(RoutedAgent):
        @message_handler
        async def on_hop(self, message: Hop, ctx: MessageContext) -> str:
            await gate.wait()
            handled.append(message.route[0])
            if message.route[0] == "bad":
                raise Refused("the queued message was refused")
            return message.route[0]

    runtime = InProcessRuntime()
    await Picky.register(runtime, "picky", lambda: Picky("refuses 'bad'"))
    runtime.start()
    recipient = AgentId("picky", "k")
    sends = [
        asyncio.ensure_future(runtime.send_message(Hop([word]), recipient))
        for word in ("first", "bad", "after")
    ]
    for _ in range(5):
        await asyncio.sleep(0)
    # All three wait: one in the handler, two in the agent's mailbox.
    assert handled == []
    gate.set()
    assert await asyncio.wait_for(sends[0], 30) == "first"
    with pytest.raises(Refused, match="the queued message was refused"):
        await asyncio.wait_for(sends[1], 30)
    assert await asyncio.wait_for(sends[2], 30) == "after"
    assert await asyncio.wait_for(runtime.send_message(Hop(["later"]), recipient), 30) == "later"
    assert handled == ["first", "bad", "after", "later"]
    await asyncio.wait_for(runtime.close(), 30)
