"""Hook implementations of retinue-agentchat: registration only, nothing heavy is imported."""

from __future__ import annotations

from typing import Any

from retinue import hookimpl

_AGENTS = {
    "assistant_agent": ("AssistantAgent", "Answers with a model; calls tools and hands off"),
    "code_executor_agent": ("CodeExecutorAgent", "Runs code from messages or written by a model"),
    "user_proxy_agent": ("UserProxyAgent", "Asks a human (an input function) for the reply"),
    "society_of_mind_agent": ("SocietyOfMindAgent", "Runs an inner team and summarizes it"),
    "message_filter_agent": ("MessageFilterAgent", "Shows a wrapped agent only some messages"),
}


@hookimpl
def retinue_register_agents(register: Any) -> None:
    for name, (cls, description) in _AGENTS.items():
        register(
            name,
            f"retinue_agentchat.agents:{cls}",
            aliases=[f"autogen_agentchat.agents.{cls}", cls],
            description=description,
        )


_TOOLS = {
    "agent_tool": ("AgentTool", "An agent used as a tool"),
    "team_tool": ("TeamTool", "A team used as a tool"),
}


@hookimpl
def retinue_register_tools(register: Any) -> None:
    for name, (cls, description) in _TOOLS.items():
        register(
            name,
            f"retinue_agentchat.tools:{cls}",
            kind="tool",
            aliases=[f"autogen_agentchat.tools.{cls}", cls],
            description=description,
        )
    # One hookimpl per hook: the plugin manager checks hook names, not pluggy's specname.
    register(
        "calculator",
        "retinue_agentchat._example_tools:CalculatorTool",
        kind="tool",
        aliases=["CalculatorTool"],
        description="Evaluates arithmetic expressions (an example tool; no code in specs)",
    )


_CONDITIONS = {
    "max_message": ("MaxMessageTermination", "Stops after N messages"),
    "text_mention": ("TextMentionTermination", "Stops when a message mentions a text"),
    "stop_message": ("StopMessageTermination", "Stops on a StopMessage"),
    "token_usage": ("TokenUsageTermination", "Stops at a token budget"),
    "handoff": ("HandoffTermination", "Stops on a handoff to a target"),
    "timeout": ("TimeoutTermination", "Stops after a number of seconds"),
    "external": ("ExternalTermination", "Stops when set() is called from outside"),
    "source_match": ("SourceMatchTermination", "Stops when one of some sources speaks"),
    "text_message": ("TextMessageTermination", "Stops on a TextMessage"),
    "function_call": ("FunctionCallTermination", "Stops once a named tool has run"),
    "functional": ("FunctionalTermination", "Stops when a Python function says so"),
}


@hookimpl
def retinue_register_termination_conditions(register: Any) -> None:
    for name, (cls, description) in _CONDITIONS.items():
        register(
            name,
            f"retinue_agentchat.conditions:{cls}",
            aliases=[f"autogen_agentchat.conditions.{cls}", cls],
            description=description,
        )


_TEAMS = {
    "round_robin": ("RoundRobinGroupChat", "Participants speak in turn"),
    "selector": ("SelectorGroupChat", "A model or function picks the next speaker"),
    "swarm": ("Swarm", "Participants hand the conversation to each other"),
    "graph_flow": ("GraphFlow", "Participants speak along a directed graph"),
}


@hookimpl
def retinue_register_teams(register: Any) -> None:
    for name, (cls, description) in _TEAMS.items():
        register(
            name,
            f"retinue_agentchat.teams:{cls}",
            aliases=[f"autogen_agentchat.teams.{cls}", cls],
            description=description,
        )


@hookimpl
def retinue_register_commands(subparsers: Any) -> None:
    from retinue_agentchat._cli import add_run_command

    add_run_command(subparsers)
