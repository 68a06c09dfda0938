"""What the template generates for each kind: one table, offered to the templates as
Jinja filters (loaded through ``_extensions`` in ``cookiecutter.json``).

The kinds themselves, and the hook that registers each, come from the kernel
(``retinue.hookspecs``), so the template never keeps a second list of them.  This
table only says which module implements a kind and which classes it exports and
registers; a kind the kernel defines but the table lacks stops the rendering with
a message instead of generating an empty plugin.

retinue is imported inside the filters, not at the top: the pre-generation hook
(which runs before any file is rendered) then reports a missing kernel clearly.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

# kind -> (module, class name after the plugin's class prefix, kind it registers as
# or None when it only is exported)
IMPLEMENTATIONS: dict[str, list[tuple[str, str, str | None]]] = {
    "model_client": [
        ("_client", "ChatCompletionClient", "model_client"),
        ("_client", "ClientConfig", None),
    ],
    "tool": [
        ("_tool", "WordCountTool", "tool"),
        ("_workbench", "Workbench", "workbench"),
    ],
    "workbench": [
        ("_notebook", "NotebookWorkbench", "workbench"),
        ("_notebook", "NotebookWorkbenchConfig", None),
    ],
    "code_executor": [
        ("_executor", "CodeExecutor", "code_executor"),
        ("_executor", "CodeExecutorConfig", None),
    ],
    "runtime": [("_runtime", "Runtime", "runtime")],
    "agent": [("_agent", "EchoAgent", "agent"), ("_agent", "EchoAgentConfig", None)],
    "team": [("_team", "RoundRobinTeam", "team")],
    "termination": [
        ("_termination", "KeywordTermination", "termination"),
        ("_termination", "KeywordTerminationConfig", None),
    ],
    "model_context": [
        ("_context", "PinnedSystemContext", "model_context"),
        ("_context", "PinnedSystemContextConfig", None),
    ],
    "memory": [
        ("_memory", "KeywordMemory", "memory"),
        ("_memory", "KeywordMemoryConfig", None),
    ],
}


def _implementation(kind: str) -> list[tuple[str, str, str | None]]:
    from retinue.hookspecs import KINDS

    if kind not in KINDS:
        raise ValueError(f"invalid kind {kind!r}; choose one of: {', '.join(KINDS)}")
    if kind not in IMPLEMENTATIONS:
        raise ValueError(
            f"this template has no implementation for the kind {kind!r} yet; add one to "
            "retinue_template_kinds.IMPLEMENTATIONS"
        )
    return IMPLEMENTATIONS[kind]


def exported_names(kind: str, prefix: str) -> list[tuple[str, str]]:
    """``(module, public name)`` of every class the package exports for ``kind``."""
    return [(module, prefix + name) for module, name, _ in _implementation(kind)]


def registered_providers(kind: str, prefix: str) -> list[tuple[str, str, str | None]]:
    """``(module, class, kind argument)`` for each ``register`` call; the kind argument
    is ``None`` when the provider is of its hook's default kind."""
    from retinue.hookspecs import PROVIDER_HOOKS

    defaults = {kinds[0] for kinds in PROVIDER_HOOKS.values()}
    return [
        (module, prefix + name, None if registered in defaults else registered)
        for module, name, registered in _implementation(kind)
        if registered is not None
    ]


def provided_kinds(kind: str) -> list[str]:
    """The kinds the generated plugin registers providers of."""
    return [registered for _, _, registered in _implementation(kind) if registered]


def provider_hook(kind: str) -> str:
    """The hook that registers providers of ``kind``."""
    from retinue.hookspecs import PROVIDER_HOOKS

    _implementation(kind)
    (hook,) = [name for name, kinds in PROVIDER_HOOKS.items() if kind in kinds]
    return hook


def module_files(kind: str) -> list[str]:
    """The implementation modules the package keeps for ``kind``."""
    return sorted({f"{module}.py" for module, _, _ in _implementation(kind)})


class KindsExtension(Extension):
    """Adds the filters above to the template's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        filters: dict[str, Any] = {
            "exported_names": exported_names,
            "registered_providers": registered_providers,
            "provided_kinds": provided_kinds,
            "provider_hook": provider_hook,
            "module_files": module_files,
        }
        environment.filters.update(filters)
