"""OpenAI, Azure OpenAI and OpenAI-compatible model clients for retinue.

The classes load on first access, so ``import retinue_openai`` does not import the
``openai`` SDK (the SDK itself loads when a client first talks to the server).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "OpenAIChatCompletionClient": "retinue_openai._client",
    "AzureOpenAIChatCompletionClient": "retinue_openai._client",
    "BaseOpenAIChatCompletionClient": "retinue_openai._base",
    "OpenAIClientConfig": "retinue_openai._config",
    "AzureOpenAIClientConfig": "retinue_openai._config",
    "known_model_info": "retinue_openai._model_info",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'retinue_openai' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from ._base import (
        BaseOpenAIChatCompletionClient as BaseOpenAIChatCompletionClient,
    )
    from ._client import (
        AzureOpenAIChatCompletionClient as AzureOpenAIChatCompletionClient,
        OpenAIChatCompletionClient as OpenAIChatCompletionClient,
    )
    from ._config import (
        AzureOpenAIClientConfig as AzureOpenAIClientConfig,
        OpenAIClientConfig as OpenAIClientConfig,
    )
    from ._model_info import (
        known_model_info as known_model_info,
    )
