"""``MagenticOneCoderAgent``: the team's programmer, an assistant with a coding prompt."""

from __future__ import annotations

from typing import Any

from retinue.models import ChatCompletionClient
from retinue_agentchat.agents import AssistantAgent

__all__ = ["MagenticOneCoderAgent"]

DEFAULT_DESCRIPTION = (
    "A programmer and analyst: writes Python or shell scripts for the terminal to run, "
    "reads their output, and reasons about data and results."
)

SYSTEM_MESSAGE = """You are the team's programmer. Solve the part of the task you are given
by reasoning and, where it helps, by code. Write each program as one complete fenced
block (```python or ```sh) that the ComputerTerminal can run as it is: no placeholders,
print what you need to see. Read the output the terminal reports, fix errors, and say
plainly what the result is once you have it."""


class MagenticOneCoderAgent(AssistantAgent):
    """An :class:`AssistantAgent` with a coding prompt; it writes code, it does not run it."""

    component_provider = "magentic_one_coder"

    def __init__(
        self,
        name: str = "Coder",
        model_client: ChatCompletionClient | None = None,
        *,
        description: str = DEFAULT_DESCRIPTION,
        system_message: str | None = SYSTEM_MESSAGE,
        **options: Any,
    ) -> None:
        super().__init__(
            name,
            model_client,  # type: ignore[arg-type]  # checked by AssistantAgent
            description=description,
            system_message=system_message,
            **options,
        )
