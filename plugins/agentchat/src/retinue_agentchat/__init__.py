"""retinue-agentchat: preset agents, teams, termination conditions and the Console.

Public names load on first access, so plugin discovery (which imports this package
through ``retinue_agentchat.plugin``) does not import agents, teams or pydantic models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "AgentTool": "retinue_agentchat.tools",
    "ApprovalRequest": "retinue_agentchat.agents",
    "ApprovalResponse": "retinue_agentchat.agents",
    "AssistantAgent": "retinue_agentchat.agents",
    "BaseChatAgent": "retinue_agentchat.agents",
    "CodeExecutorAgent": "retinue_agentchat.agents",
    "Console": "retinue_agentchat.ui",
    "DiGraph": "retinue_agentchat.teams",
    "DiGraphBuilder": "retinue_agentchat.teams",
    "DiGraphEdge": "retinue_agentchat.teams",
    "DiGraphNode": "retinue_agentchat.teams",
    "ExternalTermination": "retinue_agentchat.conditions",
    "FunctionCallTermination": "retinue_agentchat.conditions",
    "FunctionalTermination": "retinue_agentchat.conditions",
    "GraphFlow": "retinue_agentchat.teams",
    "Handoff": "retinue_agentchat.agents",
    "HandoffTermination": "retinue_agentchat.conditions",
    "MaxMessageTermination": "retinue_agentchat.conditions",
    "MessageFilterAgent": "retinue_agentchat.agents",
    "MessageFilterConfig": "retinue_agentchat.agents",
    "PerSourceFilter": "retinue_agentchat.agents",
    "RoundRobinGroupChat": "retinue_agentchat.teams",
    "SelectorGroupChat": "retinue_agentchat.teams",
    "SocietyOfMindAgent": "retinue_agentchat.agents",
    "SourceMatchTermination": "retinue_agentchat.conditions",
    "StopMessageTermination": "retinue_agentchat.conditions",
    "Swarm": "retinue_agentchat.teams",
    "TeamRunError": "retinue_agentchat.teams",
    "TeamTool": "retinue_agentchat.tools",
    "TextMentionTermination": "retinue_agentchat.conditions",
    "TextMessageTermination": "retinue_agentchat.conditions",
    "TimeoutTermination": "retinue_agentchat.conditions",
    "TokenUsageTermination": "retinue_agentchat.conditions",
    "UserProxyAgent": "retinue_agentchat.agents",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .agents import (
        ApprovalRequest as ApprovalRequest,
        ApprovalResponse as ApprovalResponse,
        AssistantAgent as AssistantAgent,
        BaseChatAgent as BaseChatAgent,
        CodeExecutorAgent as CodeExecutorAgent,
        Handoff as Handoff,
        MessageFilterAgent as MessageFilterAgent,
        MessageFilterConfig as MessageFilterConfig,
        PerSourceFilter as PerSourceFilter,
        SocietyOfMindAgent as SocietyOfMindAgent,
        UserProxyAgent as UserProxyAgent,
    )
    from .conditions import (
        ExternalTermination as ExternalTermination,
        FunctionalTermination as FunctionalTermination,
        FunctionCallTermination as FunctionCallTermination,
        HandoffTermination as HandoffTermination,
        MaxMessageTermination as MaxMessageTermination,
        SourceMatchTermination as SourceMatchTermination,
        StopMessageTermination as StopMessageTermination,
        TextMentionTermination as TextMentionTermination,
        TextMessageTermination as TextMessageTermination,
        TimeoutTermination as TimeoutTermination,
        TokenUsageTermination as TokenUsageTermination,
    )
    from .teams import (
        DiGraph as DiGraph,
        DiGraphBuilder as DiGraphBuilder,
        DiGraphEdge as DiGraphEdge,
        DiGraphNode as DiGraphNode,
        GraphFlow as GraphFlow,
        RoundRobinGroupChat as RoundRobinGroupChat,
        SelectorGroupChat as SelectorGroupChat,
        Swarm as Swarm,
        TeamRunError as TeamRunError,
    )
    from .tools import (
        AgentTool as AgentTool,
        TeamTool as TeamTool,
    )
    from .ui import (
        Console as Console,
    )
