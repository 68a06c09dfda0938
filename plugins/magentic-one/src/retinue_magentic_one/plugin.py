"""Hook implementations of retinue-magentic-one: registration only.

This module is imported when retinue discovers plugins, so it imports nothing
heavy (no Playwright, no markitdown): targets are ``"module:attr"`` strings,
imported on first use.
"""

from __future__ import annotations

from typing import Any

from retinue import hookimpl
from retinue.hookspecs import Register

_PACKAGE = "retinue_magentic_one"


@hookimpl
def retinue_register_teams(register: Register) -> None:
    register(
        "magentic_one",
        f"{_PACKAGE}._team:MagenticOneGroupChat",
        aliases=[
            "autogen_agentchat.teams.MagenticOneGroupChat",
            "MagenticOneGroupChat",
        ],
        description="An orchestrator plans in ledgers and directs the participants",
    )


# name -> (class, AutoGen's module under autogen_ext.agents, description)
_AGENTS = {
    "file_surfer": ("FileSurfer", "file_surfer", "Reads local files under a root directory"),
    "web_surfer": ("MultimodalWebSurfer", "web_surfer", "Browses the web in Chromium"),
    "magentic_one_coder": ("MagenticOneCoderAgent", "magentic_one", "Writes and explains code"),
}


@hookimpl
def retinue_register_agents(register: Register) -> None:
    for name, (cls, autogen_module, description) in _AGENTS.items():
        register(
            name,
            f"{_PACKAGE}.agents:{cls}",
            aliases=[f"autogen_ext.agents.{autogen_module}.{cls}", cls],
            description=description,
        )


@hookimpl
def retinue_register_commands(subparsers: Any) -> None:
    from retinue_magentic_one._cli import add_m1_command

    add_m1_command(subparsers)
