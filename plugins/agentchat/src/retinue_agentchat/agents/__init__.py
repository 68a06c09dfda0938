"""The preset agents.

Each class imports its module on first access, so importing ``AssistantAgent`` does
not import the code-executor, user-proxy, society-of-mind or message-filter agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

_EXPORTS = {
    "ApprovalFuncType": "._code_executor_agent",
    "ApprovalRequest": "._code_executor_agent",
    "ApprovalResponse": "._code_executor_agent",
    "AssistantAgent": "._assistant_agent",
    "AssistantAgentConfig": "._assistant_agent",
    "BaseChatAgent": "._base_chat_agent",
    "CodeExecutorAgent": "._code_executor_agent",
    "CodeExecutorAgentConfig": "._code_executor_agent",
    "Handoff": "._handoff",
    "MessageFilterAgent": "._message_filter_agent",
    "MessageFilterAgentConfig": "._message_filter_agent",
    "MessageFilterConfig": "._message_filter_agent",
    "PerSourceFilter": "._message_filter_agent",
    "RetryDecision": "._code_executor_agent",
    "SocietyOfMindAgent": "._society_of_mind_agent",
    "SocietyOfMindAgentConfig": "._society_of_mind_agent",
    "UserInputError": "._user_proxy_agent",
    "UserProxyAgent": "._user_proxy_agent",
    "UserProxyAgentConfig": "._user_proxy_agent",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, extra=())

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._assistant_agent import (
        AssistantAgent as AssistantAgent,
        AssistantAgentConfig as AssistantAgentConfig,
    )
    from ._base_chat_agent import BaseChatAgent as BaseChatAgent
    from ._code_executor_agent import (
        ApprovalFuncType as ApprovalFuncType,
        ApprovalRequest as ApprovalRequest,
        ApprovalResponse as ApprovalResponse,
        CodeExecutorAgent as CodeExecutorAgent,
        CodeExecutorAgentConfig as CodeExecutorAgentConfig,
        RetryDecision as RetryDecision,
    )
    from ._handoff import Handoff as Handoff
    from ._message_filter_agent import (
        MessageFilterAgent as MessageFilterAgent,
        MessageFilterAgentConfig as MessageFilterAgentConfig,
        MessageFilterConfig as MessageFilterConfig,
        PerSourceFilter as PerSourceFilter,
    )
    from ._society_of_mind_agent import (
        SocietyOfMindAgent as SocietyOfMindAgent,
        SocietyOfMindAgentConfig as SocietyOfMindAgentConfig,
    )
    from ._user_proxy_agent import (
        UserInputError as UserInputError,
        UserProxyAgent as UserProxyAgent,
        UserProxyAgentConfig as UserProxyAgentConfig,
    )
