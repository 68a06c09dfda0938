"""Tool and workbench contracts, and the kernel's builtin tools."""

from ._base import ParametersSchema, Tool, ToolSchema
from ._workbench import (
    ImageResultContent,
    StreamWorkbench,
    TextResultContent,
    ToolResult,
    Workbench,
)

__all__ = [
    "ImageResultContent",
    "ParametersSchema",
    "StreamWorkbench",
    "TextResultContent",
    "Tool",
    "ToolResult",
    "ToolSchema",
    "Workbench",
]
