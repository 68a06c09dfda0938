"""Model families and model-info validation."""

from __future__ import annotations

from typing import Any

from .._errors import ConfigurationError
from ._types import ModelInfo

__all__ = ["ModelFamily", "validate_model_info"]


class ModelFamily:
    """Known model family names (plain strings, so any other string is allowed too)."""

    GPT_5 = "gpt-5"
    GPT_41 = "gpt-41"
    GPT_45 = "gpt-45"
    GPT_4O = "gpt-4o"
    O1 = "o1"
    O3 = "o3"
    O4 = "o4"
    GPT_4 = "gpt-4"
    GPT_35 = "gpt-35"
    R1 = "r1"
    GEMINI_1_5_FLASH = "gemini-1.5-flash"
    GEMINI_1_5_PRO = "gemini-1.5-pro"
    GEMINI_2_0_FLASH = "gemini-2.0-flash"
    GEMINI_2_5_PRO = "gemini-2.5-pro"
    GEMINI_2_5_FLASH = "gemini-2.5-flash"
    CLAUDE_3_HAIKU = "claude-3-haiku"
    CLAUDE_3_SONNET = "claude-3-sonnet"
    CLAUDE_3_OPUS = "claude-3-opus"
    CLAUDE_3_5_HAIKU = "claude-3-5-haiku"
    CLAUDE_3_5_SONNET = "claude-3-5-sonnet"
    CLAUDE_3_7_SONNET = "claude-3-7-sonnet"
    CLAUDE_4_SONNET = "claude-4-sonnet"
    CLAUDE_4_OPUS = "claude-4-opus"
    LLAMA_3_3_8B = "llama-3.3-8b"
    LLAMA_3_3_70B = "llama-3.3-70b"
    LLAMA_4_SCOUT = "llama-4-scout"
    LLAMA_4_MAVERICK = "llama-4-maverick"
    CODESTRAL = "codestral"
    MISTRAL = "mistral"
    MINISTRAL = "ministral"
    PIXTRAL = "pixtral"
    UNKNOWN = "unknown"

    @staticmethod
    def is_openai(family: str) -> bool:
        return family.startswith(("gpt-", "o1", "o3", "o4"))

    @staticmethod
    def is_claude(family: str) -> bool:
        return family.startswith("claude-")

    @staticmethod
    def is_gemini(family: str) -> bool:
        return family.startswith("gemini-")

    @staticmethod
    def is_llama(family: str) -> bool:
        return family.startswith("llama-")

    @staticmethod
    def is_mistral(family: str) -> bool:
        return family in {"codestral", "mistral", "ministral", "pixtral"}


_REQUIRED = ("vision", "function_calling", "json_output", "family")


def validate_model_info(info: Any) -> ModelInfo:
    """Check a model-info mapping has the required keys with the right types.

    Raises:
        ConfigurationError: naming every missing or mistyped key.
    """
    if not isinstance(info, dict):
        raise ConfigurationError(
            f"model_info must be a mapping with keys {', '.join(_REQUIRED)}, "
            f"got {type(info).__name__}"
        )
    missing = [key for key in _REQUIRED if key not in info]
    if missing:
        raise ConfigurationError(
            f"model_info is missing {', '.join(missing)}; pass e.g. "
            '{"vision": False, "function_calling": True, "json_output": True, '
            '"family": "unknown", "structured_output": False}'
        )
    for key in ("vision", "function_calling", "json_output", "structured_output"):
        if key in info and not isinstance(info[key], bool):
            raise ConfigurationError(
                f"model_info[{key!r}] must be true or false, got {info[key]!r}"
            )
    if not isinstance(info["family"], str):
        raise ConfigurationError(f"model_info['family'] must be a string, got {info['family']!r}")
    return info  # type: ignore[return-value]
