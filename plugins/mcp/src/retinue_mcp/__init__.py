"""retinue-mcp: Model Context Protocol servers as workbenches, and agents served over MCP.

Names are imported on first access, so plugin discovery (which imports
``retinue_mcp.plugin``) never imports the mcp SDK.

>>> from retinue_mcp import McpWorkbench, StdioServerParams
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "McpWorkbench": "retinue_mcp._workbench",
        "McpWorkbenchConfig": "retinue_mcp._workbench",
        "UserInputFunc": "retinue_mcp._workbench",
        "McpServerParams": "retinue_mcp._params",
        "StdioServerParams": "retinue_mcp._params",
        "SseServerParams": "retinue_mcp._params",
        "StreamableHttpServerParams": "retinue_mcp._params",
        "McpServerError": "retinue_mcp._errors",
        "McpProgressEvent": "retinue_mcp._events",
        "McpToolAdapter": "retinue_mcp._adapter",
        "mcp_server_tools": "retinue_mcp._adapter",
        "serve_task_runner": "retinue_mcp._serve",
    },
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ._adapter import McpToolAdapter as McpToolAdapter, mcp_server_tools as mcp_server_tools
    from ._errors import McpServerError as McpServerError
    from ._events import McpProgressEvent as McpProgressEvent
    from ._params import (
        McpServerParams as McpServerParams,
        SseServerParams as SseServerParams,
        StdioServerParams as StdioServerParams,
        StreamableHttpServerParams as StreamableHttpServerParams,
    )
    from ._serve import serve_task_runner as serve_task_runner
    from ._workbench import (
        McpWorkbench as McpWorkbench,
        McpWorkbenchConfig as McpWorkbenchConfig,
        UserInputFunc as UserInputFunc,
    )
