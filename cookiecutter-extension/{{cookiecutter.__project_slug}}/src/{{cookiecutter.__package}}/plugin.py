"""Hook implementations of {{ cookiecutter.__distribution }}: registration only.

This module is imported when retinue discovers plugins, so it imports nothing
heavy: targets are ``"module:attr"`` strings, imported on first use.
"""

from __future__ import annotations

from retinue import hookimpl
from retinue.hookspecs import Register

_PACKAGE = "{{ cookiecutter.__package }}"
{%- set P = cookiecutter.__class_prefix %}
{%- set hooks = {
    "model_client": ("retinue_register_model_clients", [("_client", P ~ "ChatCompletionClient", None)]),
    "tool": ("retinue_register_tools", [("_tool", P ~ "WordCountTool", None), ("_workbench", P ~ "Workbench", "workbench")]),
    "code_executor": ("retinue_register_code_executors", [("_executor", P ~ "CodeExecutor", None)]),
    "runtime": ("retinue_register_runtimes", [("_runtime", P ~ "Runtime", None)]),
    "agent": ("retinue_register_agents", [("_agent", P ~ "EchoAgent", None)]),
    "team": ("retinue_register_teams", [("_team", P ~ "RoundRobinTeam", None)]),
    "termination": ("retinue_register_termination_conditions", [("_termination", P ~ "KeywordTermination", None)]),
} %}
{%- set hook_name, providers = hooks[cookiecutter.kind] %}


@hookimpl
def {{ hook_name }}(register: Register) -> None:
{%- for module, class_name, kind in providers %}
    register(
        "{{ cookiecutter.plugin_name }}",
        f"{_PACKAGE}.{{ module }}:{{ class_name }}",
        aliases=["{{ class_name }}"],
        description="{{ cookiecutter.description }}",
{%- if kind %}
        kind="{{ kind }}",
{%- endif %}
    )
{%- endfor %}
