"""The declarative config of the Anthropic client (what its spec may contain)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator
from retinue import Secret, masked_secret_as_env

__all__ = ["AnthropicClientConfig"]


class AnthropicClientConfig(BaseModel):
    """Config of :class:`~retinue_anthropic.AnthropicChatCompletionClient`.

    AutoGen's ``AnthropicClientConfigurationConfigModel`` specs load too: fields this
    client does not use (``tools``, ``tool_choice``, ``response_format``,
    ``model_capabilities``) are ignored.
    """

    model: str
    api_key: Secret | None = None
    base_url: str | None = None
    max_tokens: int = 4096
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    stop_sequences: list[str] | None = None
    thinking: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    timeout: float | None = 60.0
    max_retries: int = 2
    model_info: dict[str, Any] | None = None
    # Header values may be credentials: held and dumped like api_key.
    default_headers: dict[str, Secret] | None = None

    @field_validator("api_key", mode="before")
    @classmethod
    def _masked_key_as_env(cls, value: Any) -> Any:
        return masked_secret_as_env(value, "ANTHROPIC_API_KEY")
