"""OpenAI, Azure OpenAI and OpenAI-compatible model clients for retinue.

The classes load on first access, so ``import retinue_openai`` does not import the
``openai`` SDK (the SDK itself loads when a client first talks to the server).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "OpenAIChatCompletionClient": "retinue_openai._client",
    "AzureOpenAIChatCompletionClient": "retinue_openai._client",
    "BaseOpenAIChatCompletionClient": "retinue_openai._base",
    "OpenAIClientConfig": "retinue_openai._config",
    "AzureOpenAIClientConfig": "retinue_openai._config",
    "known_model_info": "retinue_openai._model_info",
    # AutoGen's names for the same classes (docs/migration.md)
    "AzureOpenAIClientConfigurationConfigModel": "retinue_openai._autogen_names",
    "OpenAIClientConfigurationConfigModel": "retinue_openai._autogen_names",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # pragma: no cover
    from ._autogen_names import (
        AzureOpenAIClientConfigurationConfigModel as AzureOpenAIClientConfigurationConfigModel,
        OpenAIClientConfigurationConfigModel as OpenAIClientConfigurationConfigModel,
    )
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
