"""Tool and workbench contracts, and the kernel's builtin tools."""

from ._base import ParametersSchema, Tool, ToolSchema
from ._base_tool import (
    BaseStreamTool,
    BaseTool,
    describe_validation_error,
    inline_schema_refs,
    validate_tool_name,
)
from ._function_tool import Alias, FunctionTool, FunctionToolConfig, ImportFromModule
from ._static_workbench import (
    StaticStreamWorkbench,
    StaticWorkbench,
    StaticWorkbenchConfig,
    ToolOverride,
)
from ._workbench import (
    ImageResultContent,
    StreamWorkbench,
    TextResultContent,
    ToolResult,
    Workbench,
)

__all__ = [
    "Alias",
    "BaseStreamTool",
    "BaseTool",
    "FunctionTool",
    "FunctionToolConfig",
    "ImageResultContent",
    "ImportFromModule",
    "ParametersSchema",
    "StaticStreamWorkbench",
    "StaticWorkbench",
    "StaticWorkbenchConfig",
    "StreamWorkbench",
    "TextResultContent",
    "Tool",
    "ToolOverride",
    "ToolResult",
    "ToolSchema",
    "Workbench",
    "describe_validation_error",
    "inline_schema_refs",
    "validate_tool_name",
]
