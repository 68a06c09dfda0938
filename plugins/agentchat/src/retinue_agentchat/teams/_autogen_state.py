"""Team states saved by AutoGen's ``team.save_state()``, read as retinue team states.

AutoGen 0.7 saves ``{"type": "TeamState", "version": "1.0.0", "agent_states": {...}}``:
one entry per participant (its ``ChatAgentContainerState``), in participant order, then
one for the group chat manager under the manager's name.  retinue saves the same
entries and adds ``team_type`` and ``participants`` so a state is refused by a team of
another shape.  AutoGen's state carries that shape implicitly (the manager's name says
the team type, the other keys are the participants), so it is made explicit here and
the team's ordinary, all-or-nothing check and load do the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: AutoGen's group chat manager names and the retinue team class that has each.
AUTOGEN_MANAGERS = {
    "RoundRobinGroupChatManager": "RoundRobinGroupChat",
    "SelectorGroupChatManager": "SelectorGroupChat",
    "SwarmGroupChatManager": "Swarm",
    "GraphManager": "GraphFlow",
    "MagenticOneOrchestrator": "MagenticOneGroupChat",
}


def from_autogen_team_state(state: Any) -> Any:
    """AutoGen's team state with retinue's ``team_type`` and ``participants`` added.

    Anything else (a retinue state, or data that is no team state at all) is returned
    as it is, for the team's own check to accept or refuse.  The manager entry is the
    one AutoGen names after its team (:data:`AUTOGEN_MANAGERS`); the participants are
    the other entries, in AutoGen's order.
    """
    if not isinstance(state, Mapping) or "team_type" in state or "participants" in state:
        return state
    agent_states = state.get("agent_states")
    if state.get("type") != "TeamState" or not isinstance(agent_states, Mapping):
        return state
    managers = [name for name in agent_states if name in AUTOGEN_MANAGERS]
    if len(managers) != 1:
        return state
    return {
        **state,
        "team_type": AUTOGEN_MANAGERS[managers[0]],
        "participants": [name for name in agent_states if name != managers[0]],
    }
