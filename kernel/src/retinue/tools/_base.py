"""The tool contract: a named, schema-described callable a model can ask for."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from typing_extensions import NotRequired, TypedDict

from .._slots import instrument_class
from ..cancellation import CancellationToken
from ..components import Component

__all__ = ["ParametersSchema", "Tool", "ToolSchema"]


class ParametersSchema(TypedDict):
    """The JSON-schema object describing a tool's arguments."""

    type: str
    properties: dict[str, Any]
    required: NotRequired[list[str]]
    additionalProperties: NotRequired[bool]


class ToolSchema(TypedDict):
    """The JSON description of a tool that model clients send to the provider."""

    name: str
    description: NotRequired[str]
    parameters: NotRequired[ParametersSchema]
    strict: NotRequired[bool]


class Tool(Component[Any], ABC):
    """A tool an agent can call.

    ``run_json`` takes the arguments the model produced (already parsed from JSON),
    validates them against ``args_type`` and runs the tool.  The kernel traces every
    ``run_json`` as an ``execute_tool {name}`` span and applies the tool-call
    interceptors, so implementations only write ``run``.
    """

    component_kind = "tool"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Every implementation gets the ``execute_tool {name}`` span and the tool-call
        # interceptors around its own run_json, without writing any.
        instrument_class("tool", cls)

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def description(self) -> str: ...

    @property
    @abstractmethod
    def schema(self) -> ToolSchema: ...

    @abstractmethod
    def args_type(self) -> type[BaseModel]: ...

    @abstractmethod
    def return_type(self) -> type[Any]: ...

    @abstractmethod
    async def run_json(
        self,
        args: Mapping[str, Any],
        cancellation_token: CancellationToken,
        call_id: str | None = None,
    ) -> Any:
        """Validate ``args`` and run the tool; returns the tool's return value."""

    def return_value_as_string(self, value: Any) -> str:
        """Render a return value as the text handed back to the model."""
        if isinstance(value, str):
            return value
        if isinstance(value, BaseModel):
            return value.model_dump_json()
        try:
            return json.dumps(value, default=str)
        except (TypeError, ValueError):
            return str(value)

    async def save_state_json(self) -> Mapping[str, Any]:
        """State to persist; stateless tools return ``{}``."""
        return {}

    async def load_state_json(self, state: Mapping[str, Any]) -> None:
        """Restore state saved by :meth:`save_state_json`."""
        return None
