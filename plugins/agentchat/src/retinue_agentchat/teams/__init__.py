"""Teams: round robin, model- or function-selected speakers, handoff swarms and graphs.

Each class imports its module on first access, so importing ``RoundRobinGroupChat``
does not import the selector, swarm or graph machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

_EXPORTS = {
    "BaseGroupChat": "._base_group_chat",
    # For teams in other distributions (retinue-magentic-one): a manager, its setup,
    # the shared spec fields and the reset every participant receives.
    "BaseGroupChatManager": "._manager",
    "GroupChatConfig": "._base_group_chat",
    "GroupChatReset": "._protocol",
    "GroupChatSetup": "._manager",
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
    from ._base_group_chat import (
        BaseGroupChat as BaseGroupChat,
        GroupChatConfig as GroupChatConfig,
        TeamRunError as TeamRunError,
    )
    from ._graph import (
        DiGraph as DiGraph,
        DiGraphBuilder as DiGraphBuilder,
        DiGraphEdge as DiGraphEdge,
        DiGraphNode as DiGraphNode,
        GraphFlow as GraphFlow,
    )
    from ._manager import (
        BaseGroupChatManager as BaseGroupChatManager,
        GroupChatSetup as GroupChatSetup,
    )
    from ._protocol import GroupChatReset as GroupChatReset
    from ._round_robin import RoundRobinGroupChat as RoundRobinGroupChat
    from ._selector import SelectorGroupChat as SelectorGroupChat
    from ._swarm import Swarm as Swarm
