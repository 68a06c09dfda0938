"""``FileSurfer``: an agent that reads local files under one directory for the team."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from retinue import CancellationToken, ComponentModel, StateError, load_component
from retinue.models import ChatCompletionClient
from retinue.tools import FunctionTool
from retinue_agentchat.agents import AssistantAgent

from ._file_browser import FileBrowser

__all__ = ["FileSurfer", "FileSurferConfig"]

DEFAULT_DESCRIPTION = (
    "An agent that reads local files: it opens a file (text, Markdown, HTML, CSV, JSON, "
    "Office documents and more, converted to text) or lists a directory, pages up and "
    "down, and finds text in the open file."
)

SYSTEM_MESSAGE = """You read local files for your team, with the tools you have.
Use one tool per turn: open_path to open a file or list a directory (paths start at /),
page_up and page_down to move through a long file, find_on_page_ctrl_f and find_next to
look for text. When the request is already answered by what you see, answer directly."""


class FileSurferConfig(BaseModel):
    """The spec of a :class:`FileSurfer`."""

    name: str = "FileSurfer"
    model_client: ComponentModel
    description: str = DEFAULT_DESCRIPTION
    base_path: str = "."
    viewport_size: int = 8192


class FileSurfer(AssistantAgent):
    """Reads files under ``base_path`` with a model choosing the action each turn.

    Each turn the model calls one tool (``open_path``, ``page_up``, ``page_down``,
    ``find_on_page_ctrl_f``, ``find_next``) and the agent replies with what is now in
    view: the path, the page, and the page's text.  Files are converted to text by
    markitdown.  A path outside ``base_path``, a missing file or one that cannot be
    converted becomes a reply saying so; the surfer stays usable.
    """

    component_provider = "file_surfer"
    component_config_schema = FileSurferConfig  # type: ignore[assignment]
    component_version = 1

    def __init__(
        self,
        name: str = "FileSurfer",
        model_client: ChatCompletionClient | None = None,
        *,
        description: str = DEFAULT_DESCRIPTION,
        base_path: str | Path = ".",
        viewport_size: int = 8192,
    ) -> None:
        self._browser = FileBrowser(base_path, viewport_size)
        self._base_path = str(base_path)
        browser = self._browser
        tools = [
            FunctionTool(
                browser.open,
                name="open_path",
                description="Open a local file, or list a directory, at a path starting at /.",
            ),
            FunctionTool(browser.page_up, name="page_up", description="Scroll one page up."),
            FunctionTool(browser.page_down, name="page_down", description="Scroll one page down."),
            FunctionTool(
                browser.find,
                name="find_on_page_ctrl_f",
                description="Find text (any case) in the open file and show its page.",
            ),
            FunctionTool(
                browser.find_next,
                name="find_next",
                description="Show the next occurrence of the text searched for last.",
            ),
        ]
        super().__init__(
            name,
            model_client,  # type: ignore[arg-type]  # checked by AssistantAgent
            tools=tools,
            description=description,
            system_message=SYSTEM_MESSAGE,
            reflect_on_tool_use=False,
            tool_call_summary_format="{result}",
        )

    @property
    def browser(self) -> FileBrowser:
        """The surfer's view of the files (the open file and page)."""
        return self._browser

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        await super().on_reset(cancellation_token)
        self._browser.reset()

    async def save_state(self) -> Mapping[str, Any]:
        state = dict(await super().save_state())
        state["open_path"] = self._browser.path
        state["page"] = self._browser.page
        return state

    async def load_state(self, state: Mapping[str, Any]) -> None:
        path = state.get("open_path") if isinstance(state, Mapping) else None
        page = state.get("page", 0) if isinstance(state, Mapping) else 0
        if path is not None and not isinstance(path, str):
            raise StateError(f"agent {self.name!r}: 'open_path' must be a string or None")
        if isinstance(page, bool) or not isinstance(page, int) or page < 0:
            raise StateError(f"agent {self.name!r}: 'page' must be a whole number, 0 or more")
        await super().load_state(state)
        self._browser.reset()
        if path is not None:
            try:
                await self._browser.open(path)
            except Exception as exc:
                raise StateError(
                    f"agent {self.name!r}: the saved open file {path!r} cannot be opened again "
                    f"({type(exc).__name__}: {exc})"
                ) from exc
            self._browser.page = min(page, self._browser.page_count - 1)

    def _to_config(self) -> FileSurferConfig:  # type: ignore[override]
        return FileSurferConfig(
            name=self.name,
            model_client=self._model_client.dump_component(),
            description=self.description,
            base_path=self._base_path,
            viewport_size=self._browser.viewport_size,
        )

    @classmethod
    def _from_config(cls, config: FileSurferConfig) -> FileSurfer:  # type: ignore[override]
        return cls(
            config.name,
            load_component(config.model_client, ChatCompletionClient),
            description=config.description,
            base_path=config.base_path,
            viewport_size=config.viewport_size,
        )
