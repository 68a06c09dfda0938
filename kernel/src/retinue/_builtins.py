"""The kernel's own providers, registered through the same hooks as any plugin.

Targets are ``"module:attr"`` strings, so registering them imports nothing.
"""

from __future__ import annotations

from typing import Any

from ._markers import hookimpl
from .hookspecs import Register

_AGENTCHAT_BASE = "autogen_agentchat.base"
_MODEL_CONTEXT = "autogen_core.model_context"

_MODEL_CONTEXTS = {
    "unbounded": ("UnboundedChatCompletionContext", "Keeps every message"),
    "buffered": ("BufferedChatCompletionContext", "Keeps the last N messages"),
    "head_and_tail": ("HeadAndTailChatCompletionContext", "Keeps the first and last messages"),
    "token_limited": ("TokenLimitedChatCompletionContext", "Keeps messages within a token budget"),
}


@hookimpl
def retinue_register_termination_conditions(register: Register) -> None:
    register(
        "or",
        "retinue.chat._termination:OrTerminationCondition",
        aliases=[f"{_AGENTCHAT_BASE}.OrTerminationCondition", "OrTerminationCondition"],
        description="Stops when any of its conditions stops (a | b)",
    )
    register(
        "and",
        "retinue.chat._termination:AndTerminationCondition",
        aliases=[f"{_AGENTCHAT_BASE}.AndTerminationCondition", "AndTerminationCondition"],
        description="Stops when all of its conditions have stopped (a & b)",
    )


@hookimpl
def retinue_register_runtimes(register: Register) -> None:
    register(
        "inprocess",
        "retinue.runtime:InProcessRuntime",
        aliases=["autogen_core.SingleThreadedAgentRuntime", "SingleThreadedAgentRuntime"],
        description="Runs every agent in this process on one event loop",
    )


@hookimpl
def retinue_register_tools(register: Register) -> None:
    register(
        "function",
        "retinue.tools:FunctionTool",
        aliases=["autogen_core.tools.FunctionTool", "FunctionTool"],
        description="A Python function as a tool, its schema taken from type hints",
    )
    register(
        "static",
        "retinue.tools:StaticWorkbench",
        kind="workbench",
        aliases=["autogen_core.tools.StaticWorkbench", "StaticWorkbench"],
        description="A fixed list of tools",
    )
    register(
        "static_stream",
        "retinue.tools:StaticStreamWorkbench",
        kind="workbench",
        aliases=["autogen_core.tools.StaticStreamWorkbench", "StaticStreamWorkbench"],
        description="A fixed list of tools that streams the events of stream tools",
    )


@hookimpl
def retinue_register_model_clients(register: Register) -> None:
    register(
        "scripted",
        "retinue.testing:ScriptedChatCompletionClient",
        aliases=[
            "autogen_ext.models.replay.ReplayChatCompletionClient",
            "ReplayChatCompletionClient",
        ],
        capabilities={"streaming", "tools"},
        description="Answers with scripted responses, for tests and examples",
    )


@hookimpl
def retinue_register_model_contexts(register: Register) -> None:
    for name, (cls, description) in _MODEL_CONTEXTS.items():
        register(
            name,
            f"retinue.chat:{cls}",
            aliases=[f"{_MODEL_CONTEXT}.{cls}", cls],
            description=description,
        )


@hookimpl
def retinue_register_memories(register: Register) -> None:
    register(
        "list",
        "retinue.chat:ListMemory",
        aliases=["autogen_core.memory.ListMemory", "ListMemory"],
        description="Memory contents kept in a list, added to the context in order",
    )


@hookimpl
def retinue_register_commands(subparsers: Any) -> None:
    from ._new import add_new_command  # stdlib only; keeps this module free of imports

    add_new_command(subparsers)
