"""retinue-agentchat: preset agents, teams, termination conditions and the Console."""

from .agents import (
    ApprovalRequest,
    ApprovalResponse,
    AssistantAgent,
    BaseChatAgent,
    CodeExecutorAgent,
    Handoff,
    MessageFilterAgent,
    MessageFilterConfig,
    PerSourceFilter,
    SocietyOfMindAgent,
    UserProxyAgent,
)
from .tools import AgentTool, TeamTool

__all__ = [
    "AgentTool",
    "ApprovalRequest",
    "ApprovalResponse",
    "AssistantAgent",
    "BaseChatAgent",
    "CodeExecutorAgent",
    "Handoff",
    "MessageFilterAgent",
    "MessageFilterConfig",
    "PerSourceFilter",
    "SocietyOfMindAgent",
    "TeamTool",
    "UserProxyAgent",
]
