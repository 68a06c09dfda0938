"""List and call the tools of MCP's reference server `server-everything` over stdio.

The README of retinue-mcp shows the heart of this program. The server needs Node.js;
`bash scripts/setup-mcp-servers.sh` installs it into `.mcp-servers/` of a checkout, and
this program puts that folder on PATH (an installed `mcp-server-everything` works too).
"""

import asyncio
import os
from pathlib import Path

from retinue_mcp import McpWorkbench, StdioServerParams

SERVERS = Path(__file__).resolve().parents[1] / ".mcp-servers" / "node_modules" / ".bin"


async def main() -> None:
    os.environ["PATH"] = f"{SERVERS}{os.pathsep}{os.environ.get('PATH', '')}"
    async with McpWorkbench(
        StdioServerParams(command="mcp-server-everything", args=["stdio"])
    ) as bench:
        print([tool["name"] for tool in await bench.list_tools()])
        print((await bench.call_tool("echo", {"message": "hi"})).to_text())


asyncio.run(main())
