"""What known OpenAI models can do, and how an unknown model gets its model info."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from retinue import ConfigurationError
from retinue.models import ModelFamily, ModelInfo, validate_model_info

__all__ = [
    "CONSERVATIVE_MODEL_INFO",
    "known_model_info",
    "lookup_model_info",
    "model_info_entry",
    "resolve_model_info",
]

logger = logging.getLogger(__name__)


def model_info_entry(
    family: str,
    context_window: int,
    *,
    vision: bool = True,
    function_calling: bool = True,
    json_output: bool = True,
    structured_output: bool = True,
) -> ModelInfo:
    return ModelInfo(
        vision=vision,
        function_calling=function_calling,
        json_output=json_output,
        structured_output=structured_output,
        family=family,
        multiple_system_messages=True,
        context_window=context_window,
    )


# Longest prefix wins, so dated snapshots ("gpt-4o-2024-08-06") and new point
# releases ("gpt-5.1") inherit the entry of their base model.
_KNOWN: dict[str, ModelInfo] = {
    "gpt-5": model_info_entry(ModelFamily.GPT_5, 400_000),
    "gpt-4.5": model_info_entry(ModelFamily.GPT_45, 128_000),
    "gpt-4.1": model_info_entry(ModelFamily.GPT_41, 1_047_576),
    "gpt-4o": model_info_entry(ModelFamily.GPT_4O, 128_000),
    "chatgpt-4o": model_info_entry(ModelFamily.GPT_4O, 128_000, structured_output=False),
    "gpt-4-turbo": model_info_entry(ModelFamily.GPT_4, 128_000, structured_output=False),
    "gpt-4": model_info_entry(
        ModelFamily.GPT_4, 8_192, vision=False, json_output=False, structured_output=False
    ),
    "gpt-4-32k": model_info_entry(
        ModelFamily.GPT_4, 32_768, vision=False, json_output=False, structured_output=False
    ),
    "gpt-3.5-turbo": model_info_entry(
        ModelFamily.GPT_35, 16_385, vision=False, structured_output=False
    ),
    "o1": model_info_entry(ModelFamily.O1, 200_000),
    "o1-mini": model_info_entry(ModelFamily.O1, 128_000, vision=False, function_calling=False),
    "o1-preview": model_info_entry(
        ModelFamily.O1, 128_000, vision=False, function_calling=False, structured_output=False
    ),
    "o3": model_info_entry(ModelFamily.O3, 200_000),
    "o3-mini": model_info_entry(ModelFamily.O3, 200_000, vision=False),
    "o4-mini": model_info_entry(ModelFamily.O4, 200_000),
}

REASONING_FAMILIES = frozenset({ModelFamily.O1, ModelFamily.O3, ModelFamily.O4, ModelFamily.GPT_5})
"""Families that take ``developer`` instead of ``system`` messages and report reasoning tokens."""

CONSERVATIVE_MODEL_INFO = ModelInfo(
    vision=False,
    function_calling=True,
    json_output=True,
    structured_output=False,
    family=ModelFamily.UNKNOWN,
    multiple_system_messages=True,
)
"""Assumed for an unknown model on a custom ``base_url`` (an OpenAI-compatible server)."""


def lookup_model_info(table: dict[str, ModelInfo], model: str) -> ModelInfo | None:
    """The entry of ``table`` whose name is the longest prefix of ``model`` (a copy), else None.

    A prefix matches the whole name or up to a ``-`` or ``.``, so ``gpt-4o-2024-08-06``
    finds ``gpt-4o`` but ``gpt-4o`` does not find ``gpt-4``'s entry by accident.
    """
    name = model.lower().removeprefix("models/")
    matches = [p for p in table if name == p or name.startswith((p + "-", p + "."))]
    if not matches:
        return None
    return ModelInfo(**table[max(matches, key=len)])


def known_model_info(model: str) -> ModelInfo | None:
    """The model info of a known OpenAI model (or a dated/point release of one), else None."""
    return lookup_model_info(_KNOWN, model)


def resolve_model_info(
    model: str,
    model_info: Any,
    *,
    custom_endpoint: bool,
    provider: str,
    known: Callable[[str], ModelInfo | None] = known_model_info,
) -> ModelInfo:
    """The model info to use: the given one, the table's, or defaults for a custom endpoint.

    An unknown model on the provider's own API is refused at construction, so the
    mistake surfaces at once and not deep inside a run.
    """
    if model_info is not None:
        return validate_model_info(dict(model_info))
    found = known(model)
    if found is not None:
        return found
    if custom_endpoint:
        logger.warning(
            "model %r is not in %s's table of known models; assuming %s for the OpenAI-compatible "
            "server (pass model_info={...} to state what it can do)",
            model,
            provider,
            dict(CONSERVATIVE_MODEL_INFO),
        )
        return ModelInfo(**CONSERVATIVE_MODEL_INFO)
    raise ConfigurationError(
        f"provider {provider!r}: model {model!r} is unknown, so retinue cannot tell what it "
        "can do. "
        "Pass model_info, e.g. model_info={'vision': False, 'function_calling': True, "
        "'json_output': True, 'structured_output': False, 'family': 'unknown', "
        "'context_window': 128000}, or check the model name for typos"
    )
