"""Teams: round robin, model- or function-selected speakers, handoff swarms and graphs.

Each class imports its module on first access, so importing ``RoundRobinGroupChat``
does not import the selector, swarm or graph machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

_EXPORTS = {
    "BaseGroupChat": "._base_group_chat",
    "DiGraph": "._graph",
    "DiGraphBuilder": "._graph",
    "DiGraphEdge": "._graph",
    "DiGraphNode": "._graph",
    "GraphFlow": "._graph",
    "RoundRobinGroupChat": "._round_robin",
    "SelectorGroupChat": "._selector",
    "Swarm": "._swarm",
    "TeamRunError": "._base_group_chat",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, extra=())

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._base_group_chat import BaseGroupChat as BaseGroupChat, TeamRunError as TeamRunError
    from ._graph import (
        DiGraph as DiGraph,
        DiGraphBuilder as DiGraphBuilder,
        DiGraphEdge as DiGraphEdge,
        DiGraphNode as DiGraphNode,
        GraphFlow as GraphFlow,
    )
    from ._round_robin import RoundRobinGroupChat as RoundRobinGroupChat
    from ._selector import SelectorGroupChat as SelectorGroupChat
    from ._swarm import Swarm as Swarm
