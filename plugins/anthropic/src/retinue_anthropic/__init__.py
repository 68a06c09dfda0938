"""retinue-anthropic: Claude models through Anthropic's Messages API.

Names are imported on first access, so plugin discovery (which imports
``retinue_anthropic.plugin``) imports neither this client nor the ``anthropic`` SDK.

>>> from retinue_anthropic import AnthropicChatCompletionClient
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "AnthropicChatCompletionClient": "retinue_anthropic._client",
    "AnthropicClientConfig": "retinue_anthropic._config",
    "JSON_INSTRUCTION": "retinue_anthropic._client",
    "STRUCTURED_OUTPUT_TOOL": "retinue_anthropic._client",
    "FIRST_TURN_PLACEHOLDER": "retinue_anthropic._messages",
    "EMPTY_TURN_PLACEHOLDER": "retinue_anthropic._messages",
    # AutoGen's name for the same class (docs/migration.md)
    "AnthropicClientConfigurationConfigModel": "retinue_anthropic._autogen_names",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ._autogen_names import (
        AnthropicClientConfigurationConfigModel as AnthropicClientConfigurationConfigModel,
    )
    from ._client import (
        JSON_INSTRUCTION as JSON_INSTRUCTION,
        STRUCTURED_OUTPUT_TOOL as STRUCTURED_OUTPUT_TOOL,
        AnthropicChatCompletionClient as AnthropicChatCompletionClient,
    )
    from ._config import AnthropicClientConfig as AnthropicClientConfig
    from ._messages import (
        EMPTY_TURN_PLACEHOLDER as EMPTY_TURN_PLACEHOLDER,
        FIRST_TURN_PLACEHOLDER as FIRST_TURN_PLACEHOLDER,
    )
