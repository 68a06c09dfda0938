"""The Gemini client: Gemini's OpenAI-compatible endpoint through the openai SDK."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import SecretStr, field_validator
from retinue import masked_secret_as_env
from retinue.models import ModelFamily, ModelInfo
from retinue_openai._client import OpenAIChatCompletionClient
from retinue_openai._config import OpenAIClientConfig
from retinue_openai._model_info import lookup_model_info, model_info_entry

__all__ = [
    "GEMINI_BASE_URL",
    "GeminiChatCompletionClient",
    "GeminiClientConfig",
    "gemini_model_info",
]

GEMINI_BASE_URL = "https://generativelanguage.googleapis.com/v1beta/openai/"

_ONE_MILLION = 1_048_576
_KNOWN: dict[str, ModelInfo] = {
    "gemini-1.5-flash": model_info_entry(ModelFamily.GEMINI_1_5_FLASH, _ONE_MILLION),
    "gemini-1.5-flash-8b": model_info_entry(ModelFamily.GEMINI_1_5_FLASH, _ONE_MILLION),
    "gemini-1.5-pro": model_info_entry(ModelFamily.GEMINI_1_5_PRO, 2 * _ONE_MILLION),
    "gemini-2.0-flash": model_info_entry(ModelFamily.GEMINI_2_0_FLASH, _ONE_MILLION),
    "gemini-2.0-flash-lite": model_info_entry(ModelFamily.GEMINI_2_0_FLASH, _ONE_MILLION),
    "gemini-2.5-pro": model_info_entry(ModelFamily.GEMINI_2_5_PRO, _ONE_MILLION),
    "gemini-2.5-flash": model_info_entry(ModelFamily.GEMINI_2_5_FLASH, _ONE_MILLION),
    "gemini-2.5-flash-lite": model_info_entry(ModelFamily.GEMINI_2_5_FLASH, _ONE_MILLION),
}


def gemini_model_info(model: str) -> ModelInfo | None:
    """Model info of a known Gemini model (``models/`` prefixes and dated versions too)."""
    return lookup_model_info(_KNOWN, model)


class GeminiClientConfig(OpenAIClientConfig):
    """Config of ``GeminiChatCompletionClient``; the key defaults to ``GEMINI_API_KEY``."""

    include_name_in_message: bool = False

    @field_validator("api_key", mode="before")
    @classmethod
    def _masked_key_as_env(cls, value: Any) -> Any:
        return masked_secret_as_env(value, "GEMINI_API_KEY")


class GeminiChatCompletionClient(OpenAIChatCompletionClient):
    """A client for Google's Gemini models through their OpenAI-compatible endpoint.

    The key comes from ``api_key`` or ``GEMINI_API_KEY``; ``base_url`` defaults to
    Google's endpoint.  Differences from OpenAI's API that this client absorbs:
    message ``name`` fields are not sent (Gemini rejects them), tool calls reported
    with finish reason ``stop`` count as tool calls, streamed tool calls without an
    ``index`` (split across chunks) are joined by id and name, a call's thought
    signature (``extra_content.google``) is kept in ``FunctionCall.provider_data`` and
    sent back with it, errors wrapped in a list are unwrapped, and ``<thought>`` text
    (``include_thoughts``) becomes the result's ``thought``.
    Gemini-only parameters go in ``extra_create_args={"extra_body": {"google": {...}}}``.

    Example::

        client = GeminiChatCompletionClient(model="gemini-2.5-flash")
    """

    component_provider: ClassVar[str | None] = "gemini"
    component_config_schema = GeminiClientConfig
    key_env = "GEMINI_API_KEY"
    default_base_url: ClassVar[str | None] = GEMINI_BASE_URL

    @classmethod
    def lookup_known_model(cls, model: str) -> ModelInfo | None:
        return gemini_model_info(model)

    def __init__(
        self,
        model: str,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        include_name_in_message: bool = False,
        model_info: ModelInfo | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            model,
            api_key=api_key,
            base_url=base_url,
            include_name_in_message=include_name_in_message,
            model_info=model_info,
            **kwargs,
        )
