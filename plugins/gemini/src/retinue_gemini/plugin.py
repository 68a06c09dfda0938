"""retinue hook implementations: registers the Gemini client, importing nothing heavy."""

from __future__ import annotations

from typing import Any

from retinue import hookimpl


@hookimpl
def retinue_register_model_clients(register: Any) -> None:
    register(
        "gemini",
        "retinue_gemini._client:GeminiChatCompletionClient",
        aliases=["GeminiChatCompletionClient"],
        capabilities={"streaming", "tools", "json_output", "structured_output", "vision"},
        description="Google Gemini through its OpenAI-compatible endpoint",
    )
