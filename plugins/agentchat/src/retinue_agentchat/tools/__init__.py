"""Agents and teams used as tools."""

from ._task_runner_tool import (
    AgentTool,
    AgentToolConfig,
    TaskRunnerToolArgs,
    TeamTool,
    TeamToolConfig,
)

__all__ = ["AgentTool", "AgentToolConfig", "TaskRunnerToolArgs", "TeamTool", "TeamToolConfig"]
