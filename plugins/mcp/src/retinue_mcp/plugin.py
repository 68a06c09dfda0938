"""Hook implementations of retinue-mcp: registration only, nothing heavy is imported."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from retinue import hookimpl

if TYPE_CHECKING:
    from retinue.hookspecs import Register


@hookimpl
def retinue_register_tools(register: Register) -> None:
    register(
        "mcp",
        "retinue_mcp._workbench:McpWorkbench",
        kind="workbench",
        aliases=["autogen_ext.tools.mcp.McpWorkbench", "McpWorkbench"],
        capabilities={"stdio", "sse", "streamable_http", "sampling", "elicitation", "progress"},
        description="The tools, prompts and resources of an MCP server",
    )
    register(
        "mcp_tool",
        "retinue_mcp._adapter:McpToolAdapter",
        aliases=[
            "autogen_ext.tools.mcp.StdioMcpToolAdapter",
            "autogen_ext.tools.mcp.SseMcpToolAdapter",
            "autogen_ext.tools.mcp.StreamableHttpMcpToolAdapter",
        ],
        description="One tool of an MCP server (AutoGen's mcp_server_tools adapters)",
    )


@hookimpl
def retinue_register_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("mcp", help="Model Context Protocol commands")
    commands = parser.add_subparsers(dest="mcp_command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve an agent or team spec as an MCP server",
        description="Serve an agent or team spec as an MCP server with one tool, run_task, "
        "that runs a task and returns the final answer and the stop reason; the messages "
        "stream as progress notifications.",
    )
    serve.add_argument("spec", help="path of the agent or team spec (JSON or YAML)")
    serve.add_argument(
        "--transport",
        choices=["stdio", "streamable-http"],
        default="stdio",
        help="(default: stdio)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="HTTP host (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="HTTP port (default: 8000)")
    serve.add_argument("--name", default=None, help="server name (default: the spec's label)")
    serve.add_argument(
        "--trust-code",
        action="store_true",
        help="load specs that carry code (e.g. FunctionTool source); only for specs you trust",
    )
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from retinue_mcp._serve import serve_command

    return serve_command(args)
