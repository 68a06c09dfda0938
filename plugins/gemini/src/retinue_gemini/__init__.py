"""Gemini model client for retinue, on Gemini's OpenAI-compatible endpoint.

Loaded on first access, so ``import retinue_gemini`` imports neither ``openai`` nor
the client module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "GEMINI_BASE_URL": "retinue_gemini._client",
    "GeminiChatCompletionClient": "retinue_gemini._client",
    "GeminiClientConfig": "retinue_gemini._client",
    "gemini_model_info": "retinue_gemini._client",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'retinue_gemini' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from ._client import (
        GEMINI_BASE_URL as GEMINI_BASE_URL,
        GeminiChatCompletionClient as GeminiChatCompletionClient,
        GeminiClientConfig as GeminiClientConfig,
        gemini_model_info as gemini_model_info,
    )
