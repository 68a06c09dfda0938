"""AutoGen's names for this plugin's classes, so ``autogen_ext.models.openai`` code keeps them."""

from __future__ import annotations

from ._config import AzureOpenAIClientConfig, OpenAIClientConfig

__all__ = ["AzureOpenAIClientConfigurationConfigModel", "OpenAIClientConfigurationConfigModel"]

# The component config models, which AutoGen names ``*ClientConfigurationConfigModel``.
AzureOpenAIClientConfigurationConfigModel = AzureOpenAIClientConfig
OpenAIClientConfigurationConfigModel = OpenAIClientConfig
