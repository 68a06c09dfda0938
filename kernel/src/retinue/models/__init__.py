"""Model-client contracts and the LLM message types."""

from ._client import ChatCompletionClient, ToolChoice
from ._info import ModelFamily, validate_model_info
from ._types import (
    AssistantMessage,
    ChatCompletionTokenLogprob,
    CreateResult,
    FinishReason,
    FunctionCall,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    Image,
    LLMMessage,
    ModelInfo,
    RequestUsage,
    SystemMessage,
    TopLogprob,
    UserMessage,
)

__all__ = [
    "AssistantMessage",
    "ChatCompletionClient",
    "ChatCompletionTokenLogprob",
    "CreateResult",
    "FinishReason",
    "FunctionCall",
    "FunctionExecutionResult",
    "FunctionExecutionResultMessage",
    "Image",
    "LLMMessage",
    "ModelFamily",
    "ModelInfo",
    "RequestUsage",
    "SystemMessage",
    "ToolChoice",
    "TopLogprob",
    "UserMessage",
    "validate_model_info",
]
