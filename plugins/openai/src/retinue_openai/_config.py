"""Declarative configs of the OpenAI-family clients (what their specs may contain)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from retinue import Secret, masked_secret_as_env

__all__ = [
    "CREATE_ARG_NAMES",
    "AzureOpenAIClientConfig",
    "CreateArgumentsConfig",
    "OpenAIClientConfig",
]


class CreateArgumentsConfig(BaseModel):
    """Arguments sent with every request (``extra_create_args`` can override them per call)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    n: int | None = None
    seed: int | None = None
    stop: str | list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    logit_bias: dict[str, int] | None = None
    response_format: dict[str, Any] | None = None
    user: str | None = None
    parallel_tool_calls: bool | None = None
    reasoning_effort: str | None = None


CREATE_ARG_NAMES = tuple(CreateArgumentsConfig.model_fields)

# AutoGen's OpenAI client reads these models' keys from their providers' variables, so
# a masked key in an AutoGen spec for one of them stands for that variable.
_AUTOGEN_KEY_ENVS = {
    "gemini-": "GEMINI_API_KEY",
    "claude-": "ANTHROPIC_API_KEY",
    "Llama-": "LLAMA_API_KEY",
}


def _key_env_of(model: object) -> str:
    """The variable a masked key of an OpenAI-client spec for ``model`` stands for."""
    if isinstance(model, str):
        for prefix, env in _AUTOGEN_KEY_ENVS.items():
            if model.startswith(prefix):
                return env
    return "OPENAI_API_KEY"


class _ClientConfigBase(CreateArgumentsConfig):
    model: str
    timeout: float | None = 60.0
    max_retries: int = 2
    model_info: dict[str, Any] | None = None
    include_name_in_message: bool = True
    add_name_prefixes: bool = False
    # Header values may be credentials: held and dumped like api_key.
    default_headers: dict[str, Secret] | None = None
    include_usage_in_stream: bool = True
    stream_options: dict[str, Any] | None = None


class OpenAIClientConfig(_ClientConfigBase):
    """Config of ``OpenAIChatCompletionClient`` (also accepts AutoGen's field names)."""

    api_key: Secret | None = None
    base_url: str | None = None
    organization: str | None = None

    @field_validator("api_key", mode="before")
    @classmethod
    def _masked_key_as_env(cls, value: Any, info: ValidationInfo) -> Any:
        return masked_secret_as_env(value, _key_env_of(info.data.get("model")))


class AzureOpenAIClientConfig(_ClientConfigBase):
    """Config of ``AzureOpenAIChatCompletionClient``; a token provider cannot be in a spec."""

    azure_endpoint: str
    azure_deployment: str | None = None
    api_version: str
    api_key: Secret | None = None
    azure_ad_token: Secret | None = None

    @field_validator("api_key", mode="before")
    @classmethod
    def _masked_key_as_env(cls, value: Any) -> Any:
        return masked_secret_as_env(value, "AZURE_OPENAI_API_KEY")
