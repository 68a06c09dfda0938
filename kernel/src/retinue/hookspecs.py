"""Every hook a retinue plugin can implement: the whole extension surface on one page.

A plugin is a module (usually ``retinue_<name>/plugin.py``) named by an entry point
in the ``retinue`` group.  It implements some of these hooks with
``@retinue.hookimpl``.  Hooks are synchronous, run once (at discovery or when an
object is built) and never sit on a per-message path.

Provider hooks only *register*: they receive a ``register`` callable and hand it a
provider name and a target.  A target is a class or a ``"module:attr"`` string that
is imported only when the provider is first used, so discovering plugins imports no
SDK.  ``register`` accepts::

    register(
        name,                 # the provider name, unique per kind: "openai"
        target,               # a class, or "package.module:ClassName" (imported lazily)
        aliases=(),           # other names that resolve to it, e.g. AutoGen's dotted paths
        capabilities=(),      # free-form tags shown by `retinue components`
        description=None,     # one line for listings
        override=False,       # True: replace a provider of the same name from another plugin
        kind=None,            # only for retinue_register_tools: "tool" (default) or "workbench"
    )
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ._kinds import KINDS
from ._markers import hookspec

if TYPE_CHECKING:
    from .middleware import MessageInterceptor, ModelCallInterceptor, ToolCallInterceptor

__all__ = [
    "KINDS",
    "MIDDLEWARE_HOOKS",
    "PROVIDER_HOOKS",
    "Register",
    "retinue_message_interceptors",
    "retinue_model_call_interceptors",
    "retinue_register_agents",
    "retinue_register_code_executors",
    "retinue_register_commands",
    "retinue_register_memories",
    "retinue_register_model_clients",
    "retinue_register_model_contexts",
    "retinue_register_runtimes",
    "retinue_register_teams",
    "retinue_register_termination_conditions",
    "retinue_register_tools",
    "retinue_tool_call_interceptors",
]


class Register(Protocol):
    """The ``register`` callable a provider hook receives."""

    def __call__(
        self,
        name: str,
        target: Any,
        *,
        aliases: Iterable[str] = (),
        capabilities: Iterable[str] = (),
        description: str | None = None,
        override: bool = False,
        kind: str | None = None,
    ) -> None: ...


PROVIDER_HOOKS: dict[str, tuple[str, ...]] = {
    "retinue_register_model_clients": ("model_client",),
    "retinue_register_tools": ("tool", "workbench"),
    "retinue_register_code_executors": ("code_executor",),
    "retinue_register_runtimes": ("runtime",),
    "retinue_register_agents": ("agent",),
    "retinue_register_teams": ("team",),
    "retinue_register_termination_conditions": ("termination",),
    "retinue_register_model_contexts": ("model_context",),
    "retinue_register_memories": ("memory",),
}
"""Provider hook name -> the kinds it registers (the first is the default)."""


MIDDLEWARE_HOOKS: dict[str, str] = {
    "model_call": "retinue_model_call_interceptors",
    "tool_call": "retinue_tool_call_interceptors",
    "message": "retinue_message_interceptors",
}
"""Interceptor family -> the hook that contributes interceptors of that family."""


# --- providers ---------------------------------------------------------------


@hookspec
def retinue_register_model_clients(register: Register) -> None:
    """Register chat completion clients (kind ``model_client``).

    Example::

        @hookimpl
        def retinue_register_model_clients(register):
            register("openai", "retinue_openai._client:OpenAIChatCompletionClient",
                     aliases=["autogen_ext.models.openai.OpenAIChatCompletionClient"],
                     capabilities={"streaming", "tools"}, description="OpenAI chat completions")
    """


@hookspec
def retinue_register_tools(register: Register) -> None:
    """Register tools (kind ``tool``) and workbenches (``kind="workbench"``).

    Example::

        @hookimpl
        def retinue_register_tools(register):
            register("http", "retinue_http._tool:HttpTool", description="Calls an HTTP API")
            register("mcp", "retinue_mcp._workbench:McpWorkbench", kind="workbench",
                     aliases=["autogen_ext.tools.mcp.McpWorkbench"])
    """


@hookspec
def retinue_register_code_executors(register: Register) -> None:
    """Register code executors (kind ``code_executor``).

    Example::

        @hookimpl
        def retinue_register_code_executors(register):
            register("docker", "retinue_docker._executor:DockerCommandLineCodeExecutor",
                     capabilities={"python", "shell", "isolation"})
    """


@hookspec
def retinue_register_runtimes(register: Register) -> None:
    """Register agent runtimes (kind ``runtime``).

    Example::

        @hookimpl
        def retinue_register_runtimes(register):
            register("grpc", "retinue_grpc._worker:GrpcWorkerAgentRuntime",
                     capabilities={"distributed"})
    """


@hookspec
def retinue_register_agents(register: Register) -> None:
    """Register chat agents (kind ``agent``).

    Example::

        @hookimpl
        def retinue_register_agents(register):
            register("assistant_agent", "retinue_agentchat.agents:AssistantAgent",
                     aliases=["autogen_agentchat.agents.AssistantAgent"])
    """


@hookspec
def retinue_register_teams(register: Register) -> None:
    """Register teams (kind ``team``).

    Example::

        @hookimpl
        def retinue_register_teams(register):
            register("round_robin", "retinue_agentchat.teams:RoundRobinGroupChat",
                     aliases=["autogen_agentchat.teams.RoundRobinGroupChat"])
    """


@hookspec
def retinue_register_termination_conditions(register: Register) -> None:
    """Register termination conditions (kind ``termination``).

    Example::

        @hookimpl
        def retinue_register_termination_conditions(register):
            register("max_message", "retinue_agentchat.conditions:MaxMessageTermination",
                     aliases=["autogen_agentchat.conditions.MaxMessageTermination"])
    """


@hookspec
def retinue_register_model_contexts(register: Register) -> None:
    """Register chat completion contexts (kind ``model_context``).

    Example::

        @hookimpl
        def retinue_register_model_contexts(register):
            register("summarizing", "retinue_summary._context:SummarizingContext")
    """


@hookspec
def retinue_register_memories(register: Register) -> None:
    """Register memories (kind ``memory``).

    Example::

        @hookimpl
        def retinue_register_memories(register):
            register("chromadb", "retinue_chromadb._memory:ChromaDBVectorMemory",
                     aliases=["autogen_ext.memory.chromadb.ChromaDBVectorMemory"])
    """


# --- command line ------------------------------------------------------------


@hookspec
def retinue_register_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add subcommands to the ``retinue`` command.

    ``subparsers`` is the argparse sub-parser collection of the ``retinue`` command.
    Add a parser and set its ``handler`` default to a function taking the parsed
    arguments and returning an exit code (``None`` means 0).  Import heavy modules
    inside the handler, not at the top of ``plugin.py``.

    Example::

        @hookimpl
        def retinue_register_commands(subparsers):
            parser = subparsers.add_parser("hello", help="greet someone")
            parser.add_argument("name")
            parser.set_defaults(handler=_hello)

        def _hello(args):
            from retinue import __version__  # heavy imports happen here, not at the top
            print(f"Hello, {args.name}, from retinue {__version__}!")
            return 0
    """


# --- middleware --------------------------------------------------------------


@hookspec
def retinue_model_call_interceptors(client: Any) -> Sequence[ModelCallInterceptor] | None:
    """Return interceptors for the model calls of ``client`` (a ``ChatCompletionClient``).

    Called once per client, on its first ``create``/``create_stream``; the interceptors
    are then called directly on every call.  Return a list, or ``None``/``[]`` to add
    nothing.

    Example::

        @hookimpl
        def retinue_model_call_interceptors(client):
            return [AuditLogInterceptor()]
    """


@hookspec
def retinue_tool_call_interceptors(tool: Any) -> Sequence[ToolCallInterceptor] | None:
    """Return interceptors for the calls of ``tool`` (a ``Tool``).

    Called once per tool when it is first run; see :class:`retinue.middleware.ToolCallInterceptor`.

    Example::

        @hookimpl
        def retinue_tool_call_interceptors(tool):
            return [ArgumentRedactor()] if tool.name == "shell" else []
    """


@hookspec
def retinue_message_interceptors(runtime: Any) -> Sequence[MessageInterceptor] | None:
    """Return interceptors for the messages of ``runtime`` (an agent runtime).

    Called once when the runtime is built; the interceptors act as the runtime's
    intervention handlers.

    Example::

        @hookimpl
        def retinue_message_interceptors(runtime):
            return [MessageTracer()]
    """
