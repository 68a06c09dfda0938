"""Declarative configs of the OpenAI-family clients (what their specs may contain)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from retinue import Secret, refuse_masked_secret

__all__ = [
    "CREATE_ARG_NAMES",
    "AzureOpenAIClientConfig",
    "CreateArgumentsConfig",
    "OpenAIClientConfig",
]


class CreateArgumentsConfig(BaseModel):
    """Arguments sent with every request (``extra_create_args`` can override them per call)."""

    model_config = ConfigDict(extra="forbid")

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
    def _no_masked_key(cls, value: Any) -> Any:
        return refuse_masked_secret(value, "OPENAI_API_KEY")


class AzureOpenAIClientConfig(_ClientConfigBase):
    """Config of ``AzureOpenAIChatCompletionClient``; a token provider cannot be in a spec."""

    azure_endpoint: str
    azure_deployment: str | None = None
    api_version: str
    api_key: Secret | None = None
    azure_ad_token: Secret | None = None

    @field_validator("api_key", mode="before")
    @classmethod
    def _no_masked_key(cls, value: Any) -> Any:
        return refuse_masked_secret(value, "AZURE_OPENAI_API_KEY")
