"""Chat messages and events under AutoGen's module path (``autogen_agentchat.messages``).

The classes are the kernel's (:mod:`retinue.chat`); this module only hands them on,
importing them on first use, so it imports no agent, team or SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    dict.fromkeys(
        (
            "BaseAgentEvent",
            "BaseChatMessage",
            "BaseMessage",
            "BaseTextChatMessage",
            "CodeExecutionEvent",
            "CodeGenerationEvent",
            "HandoffMessage",
            "MemoryQueryEvent",
            "ModelClientStreamingChunkEvent",
            "MultiModalMessage",
            "SelectSpeakerEvent",
            "StopMessage",
            "StructuredMessage",
            "TextMessage",
            "ThoughtEvent",
            "ToolCallExecutionEvent",
            "ToolCallRequestEvent",
            "ToolCallSummaryMessage",
            "UserInputRequestedEvent",
        ),
        "retinue.chat",
    ),
    extra=(),
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from retinue.chat import (
        BaseAgentEvent as BaseAgentEvent,
        BaseChatMessage as BaseChatMessage,
        BaseMessage as BaseMessage,
        BaseTextChatMessage as BaseTextChatMessage,
        CodeExecutionEvent as CodeExecutionEvent,
        CodeGenerationEvent as CodeGenerationEvent,
        HandoffMessage as HandoffMessage,
        MemoryQueryEvent as MemoryQueryEvent,
        ModelClientStreamingChunkEvent as ModelClientStreamingChunkEvent,
        MultiModalMessage as MultiModalMessage,
        SelectSpeakerEvent as SelectSpeakerEvent,
        StopMessage as StopMessage,
        StructuredMessage as StructuredMessage,
        TextMessage as TextMessage,
        ThoughtEvent as ThoughtEvent,
        ToolCallExecutionEvent as ToolCallExecutionEvent,
        ToolCallRequestEvent as ToolCallRequestEvent,
        ToolCallSummaryMessage as ToolCallSummaryMessage,
        UserInputRequestedEvent as UserInputRequestedEvent,
    )
