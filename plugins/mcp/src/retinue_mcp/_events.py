"""Events an MCP workbench streams while a tool runs."""

from __future__ import annotations

from typing import Literal

from retinue.chat import BaseAgentEvent

__all__ = ["McpProgressEvent"]


class McpProgressEvent(BaseAgentEvent):
    """A ``notifications/progress`` the server sent while a tool call ran.

    ``source`` is the tool's name as the model sees it.
    """

    type: Literal["McpProgressEvent"] = "McpProgressEvent"
    progress: float
    total: float | None = None
    message: str | None = None

    def to_text(self) -> str:
        """``progress[/total][: message]``."""
        done = f"{self.progress:g}" + (f"/{self.total:g}" if self.total is not None else "")
        return f"{done}: {self.message}" if self.message else done
