"""retinue hook implementations: registers the clients by name, importing nothing heavy."""

from __future__ import annotations

from typing import Any

from retinue import hookimpl

_CAPABILITIES = {"streaming", "tools", "json_output", "structured_output", "vision"}


@hookimpl
def retinue_register_model_clients(register: Any) -> None:
    register(
        "openai",
        "retinue_openai._client:OpenAIChatCompletionClient",
        aliases=[
            "autogen_ext.models.openai.OpenAIChatCompletionClient",
            "OpenAIChatCompletionClient",
            "openai_chat_completion_client",
        ],
        capabilities=_CAPABILITIES,
        description="OpenAI chat completions, or any OpenAI-compatible server via base_url",
    )
    register(
        "azure_openai",
        "retinue_openai._client:AzureOpenAIChatCompletionClient",
        aliases=[
            "autogen_ext.models.openai.AzureOpenAIChatCompletionClient",
            "AzureOpenAIChatCompletionClient",
            "azure_openai_chat_completion_client",
        ],
        capabilities=_CAPABILITIES,
        description="Azure OpenAI deployments (API key or Azure AD token)",
    )
