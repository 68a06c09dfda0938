"""AutoGen's ``autogen_core.model_context`` names, so migrated code keeps its imports.

The model contexts live in :mod:`retinue.chat`; this module only hands them on,
importing them on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    dict.fromkeys(
        (
            "BufferedChatCompletionContext",
            "ChatCompletionContext",
            "HeadAndTailChatCompletionContext",
            "TokenLimitedChatCompletionContext",
            "UnboundedChatCompletionContext",
        ),
        "retinue.chat",
    ),
    extra=(),
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from .chat import (
        BufferedChatCompletionContext as BufferedChatCompletionContext,
        ChatCompletionContext as ChatCompletionContext,
        HeadAndTailChatCompletionContext as HeadAndTailChatCompletionContext,
        TokenLimitedChatCompletionContext as TokenLimitedChatCompletionContext,
        UnboundedChatCompletionContext as UnboundedChatCompletionContext,
    )
