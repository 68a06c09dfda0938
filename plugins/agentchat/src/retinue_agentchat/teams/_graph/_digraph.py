"""The execution graph of a ``GraphFlow``: nodes are participants, edges say who goes next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator
from retinue import ConfigurationError
from retinue.chat import BaseChatMessage, ChatAgent

__all__ = ["DiGraph", "DiGraphBuilder", "DiGraphEdge", "DiGraphNode"]

Activation = Literal["all", "any"]
EdgeCondition = str | Callable[[BaseChatMessage], bool] | None


class DiGraphEdge(BaseModel):
    """An edge to ``target``, taken when ``condition`` holds for the source's reply.

    ``condition`` is a substring of the reply's text, a function of the reply, or None
    (always).  Edges into one target that share an ``activation_group`` are counted
    together: with ``activation_condition="all"`` the target waits for all of them,
    with ``"any"`` the first one starts it.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    target: str
    condition: EdgeCondition = None
    activation_group: str = ""
    activation_condition: Activation = "all"

    @model_validator(mode="after")
    def _default_group(self) -> DiGraphEdge:
        if not self.activation_group:
            self.activation_group = self.target
        return self

    def check(self, message: BaseChatMessage) -> bool:
        """Whether this edge is taken after ``message``."""
        if self.condition is None:
            return True
        if isinstance(self.condition, str):
            return self.condition in message.to_model_text()
        return bool(self.condition(message))


class DiGraphNode(BaseModel):
    """A participant in the graph and its outgoing edges."""

    model_config = ConfigDict(defer_build=True)

    name: str
    edges: list[DiGraphEdge] = []
    activation: Activation = "all"


class DiGraph(BaseModel):
    """Nodes by name, and the node to start from when the graph has several roots."""

    model_config = ConfigDict(defer_build=True)

    nodes: dict[str, DiGraphNode]
    default_start_node: str | None = None

    def start_nodes(self) -> list[str]:
        """The default start node, else every node no edge leads into."""
        if self.default_start_node is not None:
            return [self.default_start_node]
        targets = {edge.target for node in self.nodes.values() for edge in node.edges}
        return [name for name in self.nodes if name not in targets]

    def leaf_nodes(self) -> list[str]:
        return [name for name, node in self.nodes.items() if not node.edges]

    def parents(self) -> dict[str, dict[str, int]]:
        """For each node, how many edges lead into it per activation group."""
        counts: dict[str, dict[str, int]] = {name: {} for name in self.nodes}
        for node in self.nodes.values():
            for edge in node.edges:
                group = counts[edge.target]
                group[edge.activation_group] = group.get(edge.activation_group, 0) + 1
        return counts

    def has_cycles(self) -> bool:
        return any(self._cycles())

    def validate_graph(self) -> None:
        """Refuse a graph that could not run; the error names the offending node."""
        if not self.nodes:
            raise ConfigurationError("the graph has no nodes; add at least one participant")
        for node in self.nodes.values():
            for edge in node.edges:
                if edge.target not in self.nodes:
                    raise ConfigurationError(
                        f"node {node.name!r} has an edge to {edge.target!r}, which is not a node "
                        f"of the graph (nodes: {', '.join(self.nodes)})"
                    )
            conditional = {edge.condition is not None for edge in node.edges}
            if len(conditional) > 1:
                raise ConfigurationError(
                    f"node {node.name!r} mixes conditional and unconditional edges; make every "
                    "outgoing edge of a node conditional, or none"
                )
        if self.default_start_node is not None and self.default_start_node not in self.nodes:
            raise ConfigurationError(
                f"the start node {self.default_start_node!r} is not a node of the graph"
            )
        if not self.start_nodes():
            raise ConfigurationError(
                "the graph has no start node (every node has an incoming edge); call "
                "set_entry_point() on the builder to choose one"
            )
        for cycle in self._cycles():
            if not any(edge.condition is not None for _, edge in cycle):
                path = " -> ".join([*(source for source, _ in cycle), cycle[0][0]])
                raise ConfigurationError(
                    f"the cycle {path} has no conditional edge, so it could never be left; "
                    "give one of its edges a condition"
                )

    def _cycles(self) -> list[list[tuple[str, DiGraphEdge]]]:
        """Every cycle found by depth-first search, as its (source, edge) steps."""
        cycles: list[list[tuple[str, DiGraphEdge]]] = []

        def visit(name: str, path: list[str], steps: list[tuple[str, DiGraphEdge]]) -> None:
            for edge in self.nodes[name].edges:
                if edge.target in path:
                    cycles.append([*steps[path.index(edge.target) :], (name, edge)])
                elif edge.target in self.nodes:
                    visit(edge.target, [*path, edge.target], [*steps, (name, edge)])

        for root in self.nodes:
            visit(root, [root], [])
        return cycles


class DiGraphBuilder:
    """Builds a :class:`DiGraph` and the participant list for ``GraphFlow``.

    >>> builder = DiGraphBuilder()  # doctest: +SKIP
    >>> builder.add_node(writer).add_node(reviewer).add_edge(writer, reviewer)  # doctest: +SKIP
    >>> flow = GraphFlow(builder.get_participants(), graph=builder.build())  # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._nodes: dict[str, DiGraphNode] = {}
        self._agents: dict[str, ChatAgent] = {}
        self._start: str | None = None

    def add_node(self, agent: ChatAgent, activation: Activation = "all") -> DiGraphBuilder:
        if agent.name in self._nodes:
            raise ConfigurationError(f"the graph already has a node named {agent.name!r}")
        self._nodes[agent.name] = DiGraphNode(name=agent.name, activation=activation)
        self._agents[agent.name] = agent
        return self

    def add_edge(
        self,
        source: str | ChatAgent,
        target: str | ChatAgent,
        condition: EdgeCondition = None,
        activation_group: str | None = None,
        activation_condition: Activation | None = None,
    ) -> DiGraphBuilder:
        source_name, target_name = self._name(source), self._name(target)
        condition_kind = activation_condition or self._nodes[target_name].activation
        self._nodes[source_name].edges.append(
            DiGraphEdge(
                target=target_name,
                condition=condition,
                activation_group=activation_group or target_name,
                activation_condition=condition_kind,
            )
        )
        return self

    def add_conditional_edges(
        self, source: str | ChatAgent, condition_to_target: dict[str, str | ChatAgent]
    ) -> DiGraphBuilder:
        for condition, target in condition_to_target.items():
            self.add_edge(source, target, condition=condition)
        return self

    def set_entry_point(self, node: str | ChatAgent) -> DiGraphBuilder:
        self._start = self._name(node)
        return self

    def build(self) -> DiGraph:
        graph = DiGraph(nodes=dict(self._nodes), default_start_node=self._start)
        graph.validate_graph()
        return graph

    def get_participants(self) -> list[ChatAgent]:
        return list(self._agents.values())

    # AutoGen's name for the same list.
    get_participant_list = get_participants

    def _name(self, node: str | ChatAgent) -> str:
        name = node if isinstance(node, str) else node.name
        if name not in self._nodes:
            raise ConfigurationError(
                f"{name!r} is not a node of the graph yet; call add_node() for it first"
            )
        return name


def graph_has_callables(graph: DiGraph) -> bool:
    """Whether any edge condition is a Python function (such graphs cannot be dumped)."""
    return any(callable(e.condition) for n in graph.nodes.values() for e in n.edges)
