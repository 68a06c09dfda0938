"""{{ cookiecutter.description }}

Public names are imported on first access: retinue imports this package when it
discovers ``plugin.py``, and discovery must stay cheap.
"""
{%- set P = cookiecutter.__class_prefix %}
{%- set names = {
    "model_client": [("_client", P ~ "ChatCompletionClient"), ("_client", P ~ "ClientConfig")],
    "tool": [("_tool", P ~ "WordCountTool"), ("_workbench", P ~ "Workbench")],
    "code_executor": [("_executor", P ~ "CodeExecutor"), ("_executor", P ~ "CodeExecutorConfig")],
    "runtime": [("_runtime", P ~ "Runtime")],
    "agent": [("_agent", P ~ "EchoAgent"), ("_agent", P ~ "EchoAgentConfig")],
    "team": [("_team", P ~ "RoundRobinTeam")],
    "termination": [("_termination", P ~ "KeywordTermination"), ("_termination", P ~ "KeywordTerminationConfig")],
}[cookiecutter.kind] %}

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "{{ cookiecutter.version }}"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
{%- for module, name in names %}
    "{{ name }}": ".{{ module }}",
{%- endfor %}
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
{%- for module, name in names %}
    from .{{ module }} import {{ name }} as {{ name }}
{%- endfor %}
