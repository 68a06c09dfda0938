"""A workbench that serves its own tools: a notebook the model writes to and reads from.

A workbench (rather than a tool) suits tools that share state or a connection, or
whose list is only known at run time (an MCP server, a remote API).  Replace the
notebook with your service: ``start`` connects, ``list_tools`` describes what it
offers, ``call_tool`` runs one, ``stop`` disconnects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from retinue import CancellationToken, ConfigurationError, StateError
from retinue.tools import TextResultContent, ToolResult, ToolSchema, Workbench

__all__ = ["{{ cookiecutter.__class_prefix }}NotebookWorkbench", "{{ cookiecutter.__class_prefix }}NotebookWorkbenchConfig"]


class _NotebookError(Exception):
    """A call the notebook refuses; its message goes back to the model."""


class WriteNoteArgs(BaseModel):
    """Arguments of ``write_note``."""

    title: str = Field(description="the note's title; writing it again replaces the note")
    text: str = Field(description="what the note says")


class ReadNoteArgs(BaseModel):
    """Arguments of ``read_note``."""

    title: str = Field(description="the title of the note to read")


class ListNotesArgs(BaseModel):
    """``list_notes`` takes no arguments."""


class {{ cookiecutter.__class_prefix }}NotebookWorkbenchConfig(BaseModel):
    """Configuration of :class:`{{ cookiecutter.__class_prefix }}NotebookWorkbench`."""

    max_notes: int = Field(default=100, gt=0)


class {{ cookiecutter.__class_prefix }}NotebookWorkbench(Workbench):
    """Offers ``write_note``, ``read_note`` and ``list_notes`` over one shared notebook.

    The notes are the workbench's state: ``save_state``/``load_state`` carry them,
    ``reset`` empties the notebook.  A failing call is a result with ``is_error``,
    worded so the model can correct itself.
    """

    component_provider = "{{ cookiecutter.plugin_name }}"
    component_config_schema = {{ cookiecutter.__class_prefix }}NotebookWorkbenchConfig

    def __init__(self, max_notes: int = 100) -> None:
        if not isinstance(max_notes, int) or max_notes <= 0:
            raise ConfigurationError(f"max_notes must be a positive integer, got {max_notes!r}")
        self._max_notes = max_notes
        self._notes: dict[str, str] = {}
        self._tools: dict[str, tuple[str, type[BaseModel], Callable[[Any], Awaitable[str]]]] = {
            "write_note": ("Write a note under a title.", WriteNoteArgs, self._write),
            "read_note": ("Read the note with a title.", ReadNoteArgs, self._read),
            "list_notes": ("List the titles of all notes.", ListNotesArgs, self._list),
        }

    async def list_tools(self) -> list[ToolSchema]:
        schemas: list[ToolSchema] = []
        for name, (description, args_type, _) in self._tools.items():
            schema = args_type.model_json_schema()
            schemas.append(
                {
                    "name": name,
                    "description": description,
                    "parameters": {
                        "type": "object",
                        "properties": schema.get("properties", {}),
                        "required": schema.get("required", []),
                    },
                }
            )
        return schemas

    async def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        cancellation_token: CancellationToken | None = None,
        call_id: str | None = None,
    ) -> ToolResult:
        # The notebook answers at once; a tool that waits on I/O would link its
        # awaitable to cancellation_token.
        if name not in self._tools:
            return self._error(name, f"unknown tool {name!r}; available: {', '.join(self._tools)}")
        _, args_type, run = self._tools[name]
        try:
            args = args_type.model_validate(dict(arguments or {}))
        except ValidationError as exc:
            return self._error(name, f"invalid arguments for {name}: {exc}")
        try:
            text = await run(args)
        except _NotebookError as exc:
            return self._error(name, str(exc))
        return ToolResult(name=name, result=[TextResultContent(content=text)])

    async def _write(self, args: WriteNoteArgs) -> str:
        if args.title not in self._notes and len(self._notes) >= self._max_notes:
            raise _NotebookError(f"the notebook is full ({self._max_notes} notes); overwrite one")
        self._notes[args.title] = args.text
        return f"Saved note {args.title!r}."

    async def _read(self, args: ReadNoteArgs) -> str:
        if args.title not in self._notes:
            raise _NotebookError(f"no note titled {args.title!r}; list_notes shows the titles")
        return self._notes[args.title]

    async def _list(self, args: ListNotesArgs) -> str:
        return "\n".join(self._notes) or "The notebook is empty."

    @staticmethod
    def _error(name: str, message: str) -> ToolResult:
        return ToolResult(name=name, result=[TextResultContent(content=message)], is_error=True)

    async def reset(self) -> None:
        self._notes = {}

    async def save_state(self) -> Mapping[str, Any]:
        return {"notes": dict(self._notes)}

    async def load_state(self, state: Mapping[str, Any]) -> None:
        notes = state.get("notes") if isinstance(state, Mapping) else None
        if not isinstance(notes, Mapping):
            raise StateError(
                "a notebook state is a mapping with 'notes' (title -> text), as returned by "
                f"save_state(); got {str(state)[:200]}"
            )
        self._notes = {str(title): str(text) for title, text in notes.items()}

    def _to_config(self) -> {{ cookiecutter.__class_prefix }}NotebookWorkbenchConfig:
        return {{ cookiecutter.__class_prefix }}NotebookWorkbenchConfig(max_notes=self._max_notes)

    @classmethod
    def _from_config(
        cls, config: {{ cookiecutter.__class_prefix }}NotebookWorkbenchConfig
    ) -> {{ cookiecutter.__class_prefix }}NotebookWorkbench:
        return cls(max_notes=config.max_notes)
