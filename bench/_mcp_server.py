"""The stdio MCP server every ``mcp_call_overhead`` measurement calls: one ``add`` tool.

Written with the mcp SDK's high-level server, 1.x or 2.x.
"""

from __future__ import annotations

import logging

try:  # mcp 2.x
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server  # type: ignore[no-redef]

server = Server("bench")
# The SDK logs every request at INFO on stderr: measure the protocol, not the logging.
logging.getLogger("mcp").setLevel(logging.WARNING)


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


if __name__ == "__main__":
    server.run("stdio")
