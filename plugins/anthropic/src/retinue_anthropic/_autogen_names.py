"""AutoGen's names for classes of this plugin, as ``autogen_ext.models.anthropic`` has them."""

from __future__ import annotations

from ._config import AnthropicClientConfig

__all__ = ["AnthropicClientConfigurationConfigModel"]

# The component config model, which AutoGen names ``AnthropicClientConfigurationConfigModel``.
AnthropicClientConfigurationConfigModel = AnthropicClientConfig
