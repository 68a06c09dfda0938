"""Every builtin provider is a component that dumps under the name it is registered as."""

from __future__ import annotations

import subprocess
import sys

import pytest
from retinue.components import KINDS, Component
from retinue.testing import isolated_registry

_REGISTRY = isolated_registry()
_BUILTINS = [(kind, name) for kind in KINDS for name in _REGISTRY.names(kind)]


@pytest.mark.parametrize(("kind", "name"), _BUILTINS, ids=[f"{k}:{n}" for k, n in _BUILTINS])
def test_builtin_provider_dumps_under_its_registered_name(kind: str, name: str) -> None:
    target = _REGISTRY.load(kind, name)
    assert isinstance(target, type) and issubclass(target, Component)
    assert target.component_kind == kind
    assert target.component_provider == name


def test_the_kernel_registers_its_builtin_tools_contexts_memory_and_client() -> None:
    names = {(kind, name) for kind, name in _BUILTINS}
    assert {
        ("tool", "function"),
        ("workbench", "static"),
        ("workbench", "static_stream"),
        ("model_context", "unbounded"),
        ("model_context", "buffered"),
        ("model_context", "head_and_tail"),
        ("model_context", "token_limited"),
        ("memory", "list"),
        ("model_client", "scripted"),
        ("termination", "or"),
        ("termination", "and"),
    } <= names


def test_importing_the_testing_kit_does_not_import_pytest() -> None:
    code = (
        "import sys\n"
        "from retinue.testing import ScriptedChatCompletionClient, isolated_registry\n"
        "assert 'pytest' not in sys.modules, 'retinue.testing imported pytest'\n"
        "from retinue.testing import ToolConformance\n"
        "assert 'pytest' in sys.modules\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


def test_unknown_testing_names_raise_attribute_error() -> None:
    import retinue.testing

    with pytest.raises(AttributeError, match="NoSuchSuite"):
        retinue.testing.NoSuchSuite  # noqa: B018
