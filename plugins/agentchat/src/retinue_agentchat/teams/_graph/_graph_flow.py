"""``GraphFlow``: participants speak along a directed graph, in parallel where it forks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from retinue import CancellationToken, ComponentError, ConfigurationError
from retinue.chat import BaseChatMessage, ChatAgent, TerminationCondition
from retinue.runtime import AgentRuntime

from .._base_group_chat import BaseGroupChat, GroupChatConfig
from .._manager import BaseGroupChatManager, GroupChatSetup
from ._digraph import DiGraph, graph_has_callables

__all__ = ["GraphFlow"]


class GraphFlowManager(BaseGroupChatManager):
    """Tracks which nodes are ready: a node starts when its activation groups are satisfied."""

    no_speaker_reason = "Digraph execution is complete"

    def __init__(self, setup: GroupChatSetup, graph: DiGraph) -> None:
        super().__init__(setup)
        self._graph = graph
        self._parents = graph.parents()
        self._seen = 0
        self._restart()

    def _restart(self) -> None:
        self._ready: list[str] = self._graph.start_nodes()
        self._remaining = {node: dict(groups) for node, groups in self._parents.items()}
        self._started_any: dict[str, set[str]] = {node: set() for node in self._graph.nodes}

    async def select_speaker(
        self, thread: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> list[str]:
        new, self._seen = thread[self._seen :], len(thread)
        for message in new:
            node = self._graph.nodes.get(message.source)
            if node is not None:
                self._follow_edges(node.name, message)
        speakers, self._ready = self._ready, []
        for speaker in speakers:
            self._started_any[speaker].clear()  # a loop may start it again
        if not speakers:
            self._restart()  # the next run walks the graph from the start again
        return speakers

    def _follow_edges(self, source: str, message: BaseChatMessage) -> None:
        for edge in self._graph.nodes[source].edges:
            if not edge.check(message):
                continue
            target, group = edge.target, edge.activation_group
            if edge.activation_condition == "any":
                if group not in self._started_any[target]:
                    self._started_any[target].add(group)
                    self._enqueue(target)
                continue
            self._remaining[target][group] -= 1
            if self._remaining[target][group] <= 0:
                self._remaining[target][group] = self._parents[target][group]
                self._enqueue(target)

    def _enqueue(self, node: str) -> None:
        if node not in self._ready:
            self._ready.append(node)

    async def reset_selection(self) -> None:
        self._seen = 0
        self._restart()

    def save_selection(self) -> dict[str, Any]:
        return {
            "ready": list(self._ready),
            "processed_messages": self._seen,
            "remaining": self._remaining,
            "started_any": {node: sorted(groups) for node, groups in self._started_any.items()},
        }

    def load_selection(self, state: Mapping[str, Any]) -> None:
        self._restart()
        self._ready = list(state.get("ready", self._ready))
        self._remaining.update({k: dict(v) for k, v in state.get("remaining", {}).items()})
        for node, groups in state.get("started_any", {}).items():
            self._started_any[node] = set(groups)
        self._seen = int(state.get("processed_messages", len(self._thread)))


class GraphFlowConfig(GroupChatConfig):
    graph: DiGraph


class GraphFlow(BaseGroupChat):
    """A team that follows a :class:`DiGraph`: sequences, conditional branches, parallel
    fan-out and joins, and loops that leave on a condition.

    Nodes whose turn comes together speak in parallel.  The run ends when no node is
    ready (``Digraph execution is complete``) or the termination condition fires.  Build
    the graph with :class:`DiGraphBuilder`.
    """

    component_provider = "graph_flow"
    component_config_schema = GraphFlowConfig
    manager_name = "GraphManager"

    def __init__(
        self,
        participants: Sequence[ChatAgent],
        graph: DiGraph,
        *,
        name: str | None = None,
        description: str | None = None,
        termination_condition: TerminationCondition | None = None,
        max_turns: int | None = None,
        runtime: AgentRuntime | None = None,
        emit_team_events: bool = False,
    ) -> None:
        super().__init__(
            participants,
            name=name,
            description=description,
            termination_condition=termination_condition,
            max_turns=max_turns,
            runtime=runtime,
            emit_team_events=emit_team_events,
        )
        graph.validate_graph()
        names = [p.name for p in participants]
        if set(names) != set(graph.nodes):
            raise ConfigurationError(
                f"GraphFlow participants {names} must match the graph's nodes "
                f"{list(graph.nodes)}; use DiGraphBuilder.get_participants() for the list"
            )
        if any(not isinstance(p, ChatAgent) for p in participants):
            raise ConfigurationError("GraphFlow participants must be agents, not teams")
        if graph.has_cycles() and termination_condition is None and max_turns is None:
            raise ConfigurationError(
                "the graph has a loop, so GraphFlow needs a termination_condition or max_turns "
                "to guarantee it stops"
            )
        self._graph = graph

    @property
    def graph(self) -> DiGraph:
        return self._graph

    def _create_manager(self, setup: GroupChatSetup) -> BaseGroupChatManager:
        return GraphFlowManager(setup, self._graph)

    def _to_config(self) -> GraphFlowConfig:
        if graph_has_callables(self._graph):
            raise ComponentError(
                "this GraphFlow has edge conditions that are Python functions and cannot be "
                "dumped to a spec; use string conditions (a substring of the reply) to dump it"
            )
        return GraphFlowConfig(**self._group_chat_config(), graph=self._graph)

    @classmethod
    def _from_config(cls, config: BaseModel) -> GraphFlow:
        assert isinstance(config, GraphFlowConfig)
        return cls(graph=config.graph, **cls._group_chat_arguments(config))
