"""Gemini model client for retinue, on Gemini's OpenAI-compatible endpoint.

Loaded on first access, so ``import retinue_gemini`` imports neither ``openai`` nor
the client module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "GEMINI_BASE_URL": "retinue_gemini._client",
    "GeminiChatCompletionClient": "retinue_gemini._client",
    "GeminiClientConfig": "retinue_gemini._client",
    "gemini_model_info": "retinue_gemini._client",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # pragma: no cover
    from ._client import (
        GEMINI_BASE_URL as GEMINI_BASE_URL,
        GeminiChatCompletionClient as GeminiChatCompletionClient,
        GeminiClientConfig as GeminiClientConfig,
        gemini_model_info as gemini_model_info,
    )
