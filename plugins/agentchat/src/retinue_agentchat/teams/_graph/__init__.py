"""GraphFlow and its graph builder."""

from ._digraph import DiGraph, DiGraphBuilder, DiGraphEdge, DiGraphNode
from ._graph_flow import GraphFlow

__all__ = ["DiGraph", "DiGraphBuilder", "DiGraphEdge", "DiGraphNode", "GraphFlow"]
