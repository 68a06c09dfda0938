"""AgentChat contracts: messages, events, agents, teams, termination, contexts, memory.

Implementations (preset agents, teams, conditions, the Console) live in the
``retinue-agentchat`` plugin.
"""

from ._context import (
    ChatCompletionContext,
    Memory,
    MemoryContent,
    MemoryQueryResult,
    UpdateContextResult,
)
from ._contracts import (
    ChatAgent,
    Response,
    TaskResult,
    TaskRunner,
    Team,
    TerminationCondition,
    validate_agent_name,
)
from ._memory import ListMemory, ListMemoryConfig
from ._messages import (
    BaseAgentEvent,
    BaseChatMessage,
    BaseMessage,
    BaseTextChatMessage,
    CodeExecutionEvent,
    CodeGenerationEvent,
    HandoffMessage,
    MemoryQueryEvent,
    ModelClientStreamingChunkEvent,
    MultiModalMessage,
    SelectorEvent,
    SelectSpeakerEvent,
    StopMessage,
    StructuredMessage,
    TextMessage,
    ThoughtEvent,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
    ToolCallSummaryMessage,
    UserInputRequestedEvent,
    load_chat_message,
    message_types,
)
from ._model_contexts import (
    BufferedChatCompletionContext,
    HeadAndTailChatCompletionContext,
    TokenLimitedChatCompletionContext,
    UnboundedChatCompletionContext,
)
from ._termination import AndTerminationCondition, OrTerminationCondition

__all__ = [
    "AndTerminationCondition",
    "BaseAgentEvent",
    "BaseChatMessage",
    "BaseMessage",
    "BaseTextChatMessage",
    "BufferedChatCompletionContext",
    "ChatAgent",
    "ChatCompletionContext",
    "CodeExecutionEvent",
    "CodeGenerationEvent",
    "HandoffMessage",
    "HeadAndTailChatCompletionContext",
    "ListMemory",
    "ListMemoryConfig",
    "Memory",
    "MemoryContent",
    "MemoryQueryEvent",
    "MemoryQueryResult",
    "ModelClientStreamingChunkEvent",
    "MultiModalMessage",
    "OrTerminationCondition",
    "Response",
    "SelectSpeakerEvent",
    "SelectorEvent",
    "StopMessage",
    "StructuredMessage",
    "TaskResult",
    "TaskRunner",
    "Team",
    "TerminationCondition",
    "TextMessage",
    "ThoughtEvent",
    "TokenLimitedChatCompletionContext",
    "ToolCallExecutionEvent",
    "ToolCallRequestEvent",
    "ToolCallSummaryMessage",
    "UnboundedChatCompletionContext",
    "UpdateContextResult",
    "UserInputRequestedEvent",
    "load_chat_message",
    "message_types",
    "validate_agent_name",
]
