"""Handoffs: tools a model calls to pass the conversation to another agent."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from retinue import ConfigurationError
from retinue.components import format_validation_error
from retinue.tools import Tool, ToolSchema

__all__ = ["Handoff"]


class Handoff(BaseModel):
    """A handoff to ``target``, offered to the model as a tool named ``name``.

    Defaults follow AutoGen: ``name="transfer_to_{target}"``,
    ``description="Handoff to {target}."`` and ``message="Transferred to {target},
    adopting the role of {target} immediately."``.

    >>> Handoff(target="planner").name
    'transfer_to_planner'
    """

    model_config = ConfigDict(defer_build=True)

    target: str
    description: str = ""
    name: str = ""
    message: str = ""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigurationError(
                f"invalid Handoff {data!r}:\n{format_validation_error(exc)}"
            ) from exc

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"target": data}
        if not isinstance(data, dict):
            return data
        target = data.get("target")
        if not isinstance(target, str) or not target.isidentifier():
            raise ValueError(
                f"handoff target {target!r} is not an agent name; agent names are identifiers "
                "(letters, digits and underscores)"
            )
        data = dict(data)
        data["description"] = data.get("description") or f"Handoff to {target}."
        data["name"] = data.get("name") or f"transfer_to_{target}".lower()
        data["message"] = (
            data.get("message")
            or f"Transferred to {target}, adopting the role of {target} immediately."
        )
        if not data["name"].isidentifier():
            raise ValueError(
                f"handoff tool name {data['name']!r} is not an identifier; "
                "tool names use letters, digits and underscores"
            )
        return data

    @property
    def tool_schema(self) -> ToolSchema:
        """The tool schema the model sees: no parameters, strict."""
        return {
            "name": self.name,
            "description": self.description,
            "parameters": {
                "type": "object",
                "properties": {},
                "required": [],
                "additionalProperties": False,
            },
            "strict": True,
        }

    @property
    def handoff_tool(self) -> Tool:
        """The handoff as a :class:`~retinue.tools.Tool` that returns ``message``."""
        from retinue.tools import FunctionTool

        message = self.message

        def handoff() -> str:
            return message

        return FunctionTool(handoff, name=self.name, description=self.description, strict=True)
