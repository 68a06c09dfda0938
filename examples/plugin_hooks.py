"""Every example of the hook reference (docs/hooks.md) in one plugin module, loaded and used.

    python examples/plugin_hooks.py

A real plugin's ``plugin.py`` holds only the ``@hookimpl`` functions (and the small
helpers they name); its distribution points the ``retinue`` entry-point group at it.
Here the module also loads itself into a plugin manager of its own (no discovery, no
builtins) and shows what each hook did: the providers it registered, the ``hello``
subcommand, and the interceptors it hands out.

Targets are ``"module:attr"`` strings imported on first use, so registering a provider
imports nothing: several of the targets below name third-party packages (``retinue_http``,
``retinue_docker``, ...) that need not be installed until someone loads them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from retinue import hookimpl
from retinue.middleware import (
    MessageInterceptor,
    ModelCallInterceptor,
    ModelCallRequest,
    ToolCallInterceptor,
    ToolCallRequest,
)
from retinue.models import CreateResult

# --- provider hooks: registration only ---------------------------------------------------


@hookimpl
def retinue_register_model_clients(register):
    register(
        "openai",
        "retinue_openai._client:OpenAIChatCompletionClient",
        aliases=["autogen_ext.models.openai.OpenAIChatCompletionClient"],
        capabilities={"streaming", "tools"},
        description="OpenAI chat completions",
    )


@hookimpl
def retinue_register_tools(register):
    register("http", "retinue_http._tool:HttpTool", description="Calls an HTTP API")
    register(
        "mcp",
        "retinue_mcp._workbench:McpWorkbench",
        kind="workbench",
        aliases=["autogen_ext.tools.mcp.McpWorkbench"],
    )


@hookimpl
def retinue_register_code_executors(register):
    register(
        "docker",
        "retinue_docker._executor:DockerCommandLineCodeExecutor",
        capabilities={"python", "shell", "isolation"},
    )


@hookimpl
def retinue_register_runtimes(register):
    register("grpc", "retinue_grpc._worker:GrpcWorkerAgentRuntime", capabilities={"distributed"})


@hookimpl
def retinue_register_agents(register):
    register(
        "assistant_agent",
        "retinue_agentchat.agents:AssistantAgent",
        aliases=["autogen_agentchat.agents.AssistantAgent"],
    )


@hookimpl
def retinue_register_teams(register):
    register(
        "round_robin",
        "retinue_agentchat.teams:RoundRobinGroupChat",
        aliases=["autogen_agentchat.teams.RoundRobinGroupChat"],
    )


@hookimpl
def retinue_register_termination_conditions(register):
    register(
        "max_message",
        "retinue_agentchat.conditions:MaxMessageTermination",
        aliases=["autogen_agentchat.conditions.MaxMessageTermination"],
    )


@hookimpl
def retinue_register_model_contexts(register):
    register("summarizing", "retinue_summary._context:SummarizingContext")


@hookimpl
def retinue_register_memories(register):
    register(
        "chromadb",
        "retinue_chromadb._memory:ChromaDBVectorMemory",
        aliases=["autogen_ext.memory.chromadb.ChromaDBVectorMemory"],
    )


# --- a CLI subcommand ---------------------------------------------------------------------


@hookimpl
def retinue_register_commands(subparsers):
    parser = subparsers.add_parser("hello", help="greet someone")
    parser.add_argument("name")
    parser.set_defaults(handler=_hello)


def _hello(args):
    from retinue import __version__  # heavy imports happen here, not at the top

    print(f"Hello, {args.name}, from retinue {__version__}!")
    return 0


# --- middleware: the interceptors the hooks hand out ----------------------------------------


class AuditLogInterceptor(ModelCallInterceptor):
    """Writes one line per model call and its token usage to standard error."""

    async def before_model_call(self, request: ModelCallRequest) -> ModelCallRequest:
        print(f"audit: {len(request.messages)} message(s) to the model", file=sys.stderr)
        return request

    async def after_model_call(
        self, request: ModelCallRequest, result: CreateResult
    ) -> CreateResult:
        print(f"audit: {result.usage.completion_tokens} completion token(s)", file=sys.stderr)
        return result


class ArgumentRedactor(ToolCallInterceptor):
    """Hides the values of arguments named like secrets before a tool call is recorded."""

    SECRET_WORDS = ("password", "token", "secret")

    async def before_tool_call(self, request: ToolCallRequest) -> ToolCallRequest:
        return request.replace(
            arguments={
                name: "***" if any(word in name.lower() for word in self.SECRET_WORDS) else value
                for name, value in request.arguments.items()
            }
        )


class MessageTracer(MessageInterceptor):
    """Writes the type of every message the runtime sends or publishes to standard error."""

    async def on_send(self, message: Any, *, message_context: Any, recipient: Any) -> Any:
        print(f"trace: send {type(message).__name__} to {recipient}", file=sys.stderr)
        return message

    async def on_publish(self, message: Any, *, message_context: Any) -> Any:
        print(f"trace: publish {type(message).__name__}", file=sys.stderr)
        return message


@hookimpl
def retinue_model_call_interceptors(client):
    return [AuditLogInterceptor()]


@hookimpl
def retinue_tool_call_interceptors(tool):
    return [ArgumentRedactor()] if tool.name == "shell" else []


@hookimpl
def retinue_message_interceptors(runtime):
    return [MessageTracer()]


# --- this module as a plugin ----------------------------------------------------------------


async def main() -> None:
    """Load this module into a plugin manager of its own and show what its hooks did."""
    from retinue.plugins import PluginManager
    from retinue.registry import Registry
    from retinue.tools import FunctionTool

    manager = PluginManager(strict=True)  # strict: a hook that raises stops here
    manager.add_plugin(sys.modules[__name__], "hooks-example")
    registry = Registry(manager)
    for info in registry.providers():
        print(f"{info.kind:<13} {info.name:<16} {info.target}")

    parser = argparse.ArgumentParser(prog="retinue")
    manager.register_commands(parser.add_subparsers())
    arguments = parser.parse_args(["hello", "Ada"])
    arguments.handler(arguments)

    def shell(command: str, token: str = "") -> str:
        """Pretend to run a shell command."""
        return command

    def echo(text: str) -> str:
        """Repeat the text."""
        return text

    for tool in (FunctionTool(shell, "Runs a command"), FunctionTool(echo, "Repeats")):
        interceptors = manager.collect_interceptors("tool_call", tool)
        request = ToolCallRequest(tool, {"command": "deploy", "token": "abc123"})
        for interceptor in interceptors:
            request = await interceptor.before_tool_call(request)
        print(f"tool {tool.name}: {[type(i).__name__ for i in interceptors]}, {request.arguments}")


if __name__ == "__main__":
    asyncio.run(main())
