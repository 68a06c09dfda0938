"""Model-client contracts and the LLM message types."""

from ._base_client import AsyncClosable, BaseChatCompletionClient, ErrorTranslator
from ._client import ChatCompletionClient, ToolChoice
from ._error_context import (
    ModelErrorContext,
    redact_secret,
    reveal_headers,
    secret_headers,
    url_secrets,
)
from ._estimate import TokenEstimator
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
    ThinkingBlock,
    TopLogprob,
    UserMessage,
)

# AutoGen's name for the same Literal (autogen_core.models.FinishReasons).
FinishReasons = FinishReason

__all__ = [
    "AssistantMessage",
    "AsyncClosable",
    "BaseChatCompletionClient",
    "ChatCompletionClient",
    "ChatCompletionTokenLogprob",
    "CreateResult",
    "ErrorTranslator",
    "FinishReason",
    "FinishReasons",
    "FunctionCall",
    "FunctionExecutionResult",
    "FunctionExecutionResultMessage",
    "Image",
    "LLMMessage",
    "ModelErrorContext",
    "ModelFamily",
    "ModelInfo",
    "RequestUsage",
    "SystemMessage",
    "ThinkingBlock",
    "TokenEstimator",
    "ToolChoice",
    "TopLogprob",
    "UserMessage",
    "redact_secret",
    "reveal_headers",
    "secret_headers",
    "url_secrets",
    "validate_model_info",
]
