"""Hook implementations of retinue-agentchat: registration only, nothing heavy is imported."""

from __future__ import annotations

from typing import Any

from retinue import hookimpl

_AGENTS = "retinue_agentchat.agents"


@hookimpl
def retinue_register_agents(register: Any) -> None:
    register(
        "assistant_agent",
        f"{_AGENTS}:AssistantAgent",
        aliases=["autogen_agentchat.agents.AssistantAgent", "AssistantAgent"],
        description="An agent that answers with a model and calls tools",
    )
