"""Hook implementations of retinue-anthropic: registration only, the SDK is not imported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import hookimpl

if TYPE_CHECKING:
    from retinue.hookspecs import Register


@hookimpl
def retinue_register_model_clients(register: Register) -> None:
    register(
        "anthropic",
        "retinue_anthropic._client:AnthropicChatCompletionClient",
        aliases=[
            "autogen_ext.models.anthropic.AnthropicChatCompletionClient",
            "AnthropicChatCompletionClient",
        ],
        capabilities={"streaming", "tools", "vision", "structured_output", "thinking"},
        description="Anthropic Messages API (Claude models)",
    )
