"""What known Claude models can do, and what an unknown model is assumed to do."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from retinue import ConfigurationError
from retinue.models import ModelFamily, ModelInfo, validate_model_info

__all__ = ["DEFAULT_CONTEXT_WINDOW", "known_model_info", "resolve_model_info"]

logger = logging.getLogger(__name__)

DEFAULT_CONTEXT_WINDOW = 200_000


def _claude(
    family: str, *, vision: bool = True, context_window: int = DEFAULT_CONTEXT_WINDOW
) -> ModelInfo:
    return ModelInfo(
        vision=vision,
        function_calling=True,
        json_output=True,
        structured_output=True,  # through a forced tool call, see the README
        family=family,
        multiple_system_messages=True,  # merged into the one top-level system prompt
        context_window=context_window,
    )


# Longest prefix wins, so dated snapshots ("claude-3-5-sonnet-20241022") and aliases
# ("claude-3-7-sonnet-latest") inherit the entry of their base model.
_KNOWN: dict[str, ModelInfo] = {
    "claude-3-haiku": _claude(ModelFamily.CLAUDE_3_HAIKU),
    "claude-3-sonnet": _claude(ModelFamily.CLAUDE_3_SONNET),
    "claude-3-opus": _claude(ModelFamily.CLAUDE_3_OPUS),
    "claude-3-5-haiku": _claude(ModelFamily.CLAUDE_3_5_HAIKU),
    "claude-3-5-sonnet": _claude(ModelFamily.CLAUDE_3_5_SONNET),
    "claude-3-7-sonnet": _claude(ModelFamily.CLAUDE_3_7_SONNET),
    "claude-sonnet-4": _claude(ModelFamily.CLAUDE_4_SONNET),
    "claude-opus-4": _claude(ModelFamily.CLAUDE_4_OPUS),
    "claude-4-sonnet": _claude(ModelFamily.CLAUDE_4_SONNET),
    "claude-4-opus": _claude(ModelFamily.CLAUDE_4_OPUS),
    "claude-sonnet-4-5": _claude("claude-4-5-sonnet"),
    "claude-haiku-4-5": _claude("claude-4-5-haiku"),
    "claude-opus-4-1": _claude(ModelFamily.CLAUDE_4_OPUS),
    "claude-opus-4-5": _claude("claude-4-5-opus"),
    "claude-sonnet-4-6": _claude("claude-4-6-sonnet"),
    "claude-opus-4-6": _claude("claude-4-6-opus"),
    "claude-opus-4-7": _claude("claude-4-7-opus"),
    "claude-opus-4-8": _claude("claude-4-8-opus"),
    "claude-sonnet-5": _claude("claude-5-sonnet"),
    "claude-opus-5": _claude("claude-5-opus"),
    "claude-haiku-5": _claude("claude-5-haiku"),
    "claude-fable-5": _claude("claude-5-fable"),
    "claude-mythos-5": _claude("claude-5-mythos"),
    "claude-mythos-preview": _claude("claude-5-mythos"),
}

_UNKNOWN_CLAUDE = _claude(ModelFamily.UNKNOWN)
"""Assumed for a ``claude-*`` model missing from the table (a newer release)."""


def known_model_info(model: str) -> ModelInfo | None:
    """The model info of a known Claude model (or a dated snapshot or alias of one)."""
    name = model.lower()
    matches = [prefix for prefix in _KNOWN if name == prefix or name.startswith(prefix + "-")]
    if not matches:
        return None
    return _KNOWN[max(matches, key=len)]


def resolve_model_info(model: str, given: Mapping[str, Any] | None) -> ModelInfo:
    """``given`` (validated), else the table's entry, else defaults for a newer Claude model.

    Raises:
        ConfigurationError: a model that is neither known nor named ``claude-*`` and no
            ``model_info`` was given.
    """
    if given is not None:
        info = validate_model_info(dict(given))
        info.setdefault("context_window", DEFAULT_CONTEXT_WINDOW)
        return info
    known = known_model_info(model)
    if known is not None:
        return ModelInfo(**known)
    if model.lower().startswith("claude-"):
        logger.warning(
            "model %r is not in retinue-anthropic's table; assuming a current Claude model "
            "(vision, tools, 200k context). Pass model_info to override.",
            model,
        )
        return ModelInfo(**_UNKNOWN_CLAUDE)
    raise ConfigurationError(
        f"provider 'anthropic', model {model!r}: unknown model; pass model_info, e.g. "
        '{"vision": true, "function_calling": true, "json_output": true, '
        '"structured_output": true, "family": "unknown", "context_window": 200000}'
    )
