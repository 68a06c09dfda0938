"""The preset agents."""

from ._assistant_agent import AssistantAgent, AssistantAgentConfig
from ._base_chat_agent import BaseChatAgent
from ._code_executor_agent import (
    ApprovalFuncType,
    ApprovalRequest,
    ApprovalResponse,
    CodeExecutorAgent,
    CodeExecutorAgentConfig,
    RetryDecision,
)
from ._handoff import Handoff
from ._message_filter_agent import (
    MessageFilterAgent,
    MessageFilterAgentConfig,
    MessageFilterConfig,
    PerSourceFilter,
)
from ._society_of_mind_agent import SocietyOfMindAgent, SocietyOfMindAgentConfig
from ._user_proxy_agent import UserInputError, UserProxyAgent, UserProxyAgentConfig

__all__ = [
    "ApprovalFuncType",
    "ApprovalRequest",
    "ApprovalResponse",
    "AssistantAgent",
    "AssistantAgentConfig",
    "BaseChatAgent",
    "CodeExecutorAgent",
    "CodeExecutorAgentConfig",
    "Handoff",
    "MessageFilterAgent",
    "MessageFilterAgentConfig",
    "MessageFilterConfig",
    "PerSourceFilter",
    "RetryDecision",
    "SocietyOfMindAgent",
    "SocietyOfMindAgentConfig",
    "UserInputError",
    "UserProxyAgent",
    "UserProxyAgentConfig",
]
