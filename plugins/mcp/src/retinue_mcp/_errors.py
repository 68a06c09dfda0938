"""Errors of retinue-mcp."""

from __future__ import annotations

from retinue import RetinueError

__all__ = ["McpServerError"]


class McpServerError(RetinueError, ConnectionError):
    """An MCP server could not be started or reached, or broke off the session.

    The workbench stays usable: the next call starts a new session.
    """
