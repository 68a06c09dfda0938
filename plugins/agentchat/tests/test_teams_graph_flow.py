"""GraphFlow: sequences, conditional branches, parallel fan-out and join, loops, validation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import pytest
from retinue import CancellationToken, ComponentError, ConfigurationError
from retinue.chat import BaseChatMessage, Response, TaskResult
from retinue.testing import ScriptedChatAgent, TeamConformance
from retinue_agentchat.conditions import MaxMessageTermination
from retinue_agentchat.teams import DiGraphBuilder, GraphFlow


def sources(result: TaskResult) -> list[str]:
    return [m.source for m in result.messages]


def flow(builder: DiGraphBuilder, **kwargs: object) -> GraphFlow:
    return GraphFlow(builder.get_participants(), graph=builder.build(), **kwargs)  # type: ignore[arg-type]


class TestGraphFlowConformance(TeamConformance):
    @pytest.fixture
    def team(self) -> GraphFlow:
        a, b = ScriptedChatAgent("a", ["x"], delay=0.01), ScriptedChatAgent("b", ["y"])
        return flow(DiGraphBuilder().add_node(a).add_node(b).add_edge(a, b))


async def test_sequence_runs_each_node_once_then_completes_and_restarts() -> None:
    a, b, c = (ScriptedChatAgent(n, [f"{n} done"]) for n in "abc")
    team = flow(DiGraphBuilder().add_node(a).add_node(b).add_node(c).add_edge(a, b).add_edge(b, c))
    result = await team.run(task="go")
    assert sources(result) == ["user", "a", "b", "c"]
    assert result.stop_reason == "Digraph execution is complete"
    assert sources(await team.run(task="again")) == ["user", "a", "b", "c"]


async def test_conditional_edges_pick_the_branch_by_reply_text() -> None:
    judge = ScriptedChatAgent("judge", ["verdict: approve"])
    ship, fix = ScriptedChatAgent("ship", ["shipped"]), ScriptedChatAgent("fix", ["fixed"])
    builder = DiGraphBuilder().add_node(judge).add_node(ship).add_node(fix)
    builder.add_conditional_edges(judge, {"approve": ship, "reject": fix})
    result = await flow(builder).run(task="review")
    assert sources(result) == ["user", "judge", "ship"]


class RendezvousAgent(ScriptedChatAgent):
    """Answers only once every agent of its rendezvous has started its turn.

    Run one at a time, the first of them would wait for ever: so a run that ends shows
    the branches really ran at once.
    """

    def __init__(self, name: str, replies: list[str], arrivals: dict[str, asyncio.Event]) -> None:
        super().__init__(name, replies)
        self._arrivals = arrivals
        arrivals[name] = asyncio.Event()

    async def on_messages(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> Response:
        self._arrivals[self.name].set()
        await asyncio.gather(*(arrived.wait() for arrived in self._arrivals.values()))
        return await super().on_messages(messages, cancellation_token)


async def test_fan_out_runs_in_parallel_and_the_join_waits_for_all() -> None:
    arrivals: dict[str, asyncio.Event] = {}
    start = ScriptedChatAgent("start", ["split"])
    # Unequal branches: the long one ends a turn after the short one, so a join that
    # started on its first parent would speak beside "long_2" instead of after it.
    long_1 = RendezvousAgent("long_1", ["L1"], arrivals)
    long_2 = ScriptedChatAgent("long_2", ["L2"])
    short = RendezvousAgent("short", ["S"], arrivals)
    join = ScriptedChatAgent("join", ["merged"])
    builder = DiGraphBuilder()
    for node in (start, long_1, long_2, short, join):
        builder.add_node(node)
    builder.add_edge(start, long_1).add_edge(long_1, long_2).add_edge(long_2, join)
    builder.add_edge(start, short).add_edge(short, join)
    result = await asyncio.wait_for(flow(builder).run(task="go"), timeout=30)
    assert sources(result)[:2] == ["user", "start"]
    assert set(sources(result)[2:4]) == {"long_1", "short"}
    assert sources(result)[4:] == ["long_2", "join"]
    assert join.turns == 1
    # The join saw the last message of each branch before it spoke.
    assert {"L2", "S"} <= {m.to_text() for m in join.received}


async def test_any_activation_starts_the_join_on_the_first_branch() -> None:
    start = ScriptedChatAgent("start", ["split"])
    fast, slow = ScriptedChatAgent("fast", ["F"]), ScriptedChatAgent("slow", ["S"], delay=0.05)
    join = ScriptedChatAgent("join", ["merged"])
    builder = DiGraphBuilder().add_node(start).add_node(fast).add_node(slow)
    builder.add_node(join, activation="any")
    builder.add_edge(start, fast).add_edge(start, slow).add_edge(fast, join).add_edge(slow, join)
    result = await flow(builder).run(task="go")
    assert sources(result).count("join") == 1


async def test_a_loop_repeats_until_its_exit_condition_holds() -> None:
    writer = ScriptedChatAgent("writer", ["draft 1", "draft 2"])
    critic = ScriptedChatAgent("critic", ["REVISE", "APPROVE"])
    publisher = ScriptedChatAgent("publisher", ["published"])
    builder = DiGraphBuilder().add_node(writer).add_node(critic).add_node(publisher)
    builder.add_edge(writer, critic)
    builder.add_conditional_edges(critic, {"REVISE": writer, "APPROVE": publisher})
    builder.set_entry_point(writer)
    result = await flow(builder, termination_condition=MaxMessageTermination(20)).run(task="essay")
    assert sources(result) == ["user", "writer", "critic", "writer", "critic", "publisher"]


async def test_function_conditions_work_but_cannot_be_dumped() -> None:
    a, b = ScriptedChatAgent("a", ["42"]), ScriptedChatAgent("b", ["even"])
    builder = DiGraphBuilder().add_node(a).add_node(b)
    builder.add_edge(a, b, condition=lambda message: int(message.to_text()) % 2 == 0)
    team = flow(builder)
    assert sources(await team.run(task="n?")) == ["user", "a", "b"]
    with pytest.raises(ComponentError, match="Python functions"):
        team.dump_component()


async def test_state_round_trips_into_a_new_flow_mid_loop() -> None:
    def build() -> GraphFlow:
        writer = ScriptedChatAgent("writer", ["draft"])
        critic = ScriptedChatAgent("critic", ["REVISE"])
        builder = DiGraphBuilder().add_node(writer).add_node(critic).add_edge(writer, critic)
        builder.add_conditional_edges(critic, {"REVISE": writer}).set_entry_point(writer)
        return flow(builder, max_turns=3)

    original = build()
    await original.run(task="go")  # writer, critic, writer: the critic is next
    state = json.loads(json.dumps(await original.save_state()))
    restored = build()
    await restored.load_state(state)
    assert (
        sources(await restored.run())
        == sources(await original.run())
        == ["critic", "writer", "critic"]
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda a, b: (
                DiGraphBuilder().add_node(a).add_node(b).add_edge(a, b).add_edge(b, a).build()
            ),
            "no start node",
        ),
        (
            lambda a, b: (
                DiGraphBuilder()
                .add_node(a)
                .add_node(b)
                .add_edge(a, b)
                .add_edge(b, a)
                .set_entry_point(a)
                .build()
            ),
            "cycle a -> b -> a has no conditional edge",
        ),
        (
            lambda a, b: (
                DiGraphBuilder()
                .add_node(a)
                .add_node(b)
                .add_edge(a, b, condition="x")
                .add_edge(a, a)
                .build()
            ),
            "mixes conditional and unconditional",
        ),
        (lambda a, b: DiGraphBuilder().add_node(a).add_edge(a, b), "not a node of the graph yet"),
    ],
)
def test_invalid_graphs_are_refused_naming_the_problem(make: object, expected: str) -> None:
    a, b = ScriptedChatAgent("a", ["x"]), ScriptedChatAgent("b", ["y"])
    with pytest.raises(ConfigurationError, match=expected):
        make(a, b)  # type: ignore[operator]


def test_loops_need_a_way_to_stop_and_participants_must_match_nodes() -> None:
    a, b = ScriptedChatAgent("a", ["x"]), ScriptedChatAgent("b", ["y"])
    builder = DiGraphBuilder().add_node(a).add_node(b).add_edge(a, b)
    builder.add_conditional_edges(b, {"again": a}).set_entry_point(a)
    with pytest.raises(ConfigurationError, match="needs a termination_condition or max_turns"):
        GraphFlow([a, b], graph=builder.build())
    with pytest.raises(ConfigurationError, match="must match the graph's nodes"):
        GraphFlow([a], graph=builder.build(), max_turns=3)
