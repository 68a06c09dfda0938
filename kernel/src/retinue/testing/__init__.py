"""The testing kit: a scripted model client and conformance suites for every kind.

Everything is imported on first access, so ``import retinue.testing`` needs no pytest;
the conformance suites (pytest base classes) import pytest when they are used::

    from retinue.testing import ToolConformance

    class TestMyTool(ToolConformance):
        @pytest.fixture
        def tool(self):
            return MyTool()
        ...
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ScriptExhaustedError": "retinue.testing._scripted",
    "ScriptedChatCompletionClient": "retinue.testing._scripted",
    "ScriptedChatCompletionClientConfig": "retinue.testing._scripted",
    "ScriptedReply": "retinue.testing._scripted",
    "ScriptedRequest": "retinue.testing._scripted",
    "estimate_tokens": "retinue.testing._scripted",
    "ProvidersPlugin": "retinue.testing._registry",
    "isolated_registry": "retinue.testing._registry",
    "ModelClientConformance": "retinue.testing._suites_model_client",
    "ToolConformance": "retinue.testing._suites_tool",
    "WorkbenchConformance": "retinue.testing._suites_workbench",
    "CodeExecutorConformance": "retinue.testing._suites_code_executor",
    "TerminationConditionConformance": "retinue.testing._suites_termination",
    "ModelContextConformance": "retinue.testing._suites_model_context",
    "MemoryConformance": "retinue.testing._suites_memory",
}

# Suites for agents, teams and runtimes: their public names are whatever those
# modules list in ``__all__``; a module not written yet simply contributes nothing.
_MORE_SUITES = (
    "retinue.testing._suites_agent",
    "retinue.testing._suites_team",
    "retinue.testing._suites_runtime",
)


def _more_suites() -> dict[str, str]:
    found: dict[str, str] = {}
    for module_name in _MORE_SUITES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        found.update(dict.fromkeys(getattr(module, "__all__", ()), module_name))
    return found


__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name) or _more_suites().get(name)
    if module is None:
        raise AttributeError(f"module 'retinue.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *_more_suites()})


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._registry import ProvidersPlugin, isolated_registry  # noqa: F401
    from ._scripted import (  # noqa: F401
        ScriptedChatCompletionClient,
        ScriptedChatCompletionClientConfig,
        ScriptedReply,
        ScriptedRequest,
        ScriptExhaustedError,
        estimate_tokens,
    )
