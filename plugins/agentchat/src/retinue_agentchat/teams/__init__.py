"""Teams: round robin, model- or function-selected speakers, handoff swarms and graphs."""

from ._base_group_chat import BaseGroupChat, TeamRunError
from ._graph import DiGraph, DiGraphBuilder, DiGraphEdge, DiGraphNode, GraphFlow
from ._round_robin import RoundRobinGroupChat
from ._selector import SelectorGroupChat
from ._swarm import Swarm

__all__ = [
    "BaseGroupChat",
    "DiGraph",
    "DiGraphBuilder",
    "DiGraphEdge",
    "DiGraphNode",
    "GraphFlow",
    "RoundRobinGroupChat",
    "SelectorGroupChat",
    "Swarm",
    "TeamRunError",
]
