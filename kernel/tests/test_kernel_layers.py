"""The kernel's layers at run time: contracts load without the layers above them, and
what they need from above is handed down through ``retinue._slots``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import retinue
from retinue import PluginError, _slots
from retinue.hookspecs import KINDS, PROVIDER_HOOKS
from retinue.plugins import BUILTIN_PLUGINS


def test_importing_the_contracts_loads_nothing_above_them() -> None:
    code = (
        "import json, sys\n"
        "import retinue.components, retinue.models, retinue.tools, retinue.code\n"
        "import retinue.chat, retinue.runtime\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('retinue'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(json.loads(result.stdout))
    above = {
        "retinue.telemetry",
        "retinue.middleware",
        "retinue.hookspecs",
        "retinue.plugins",
        "retinue.registry",
        "retinue.cli",
        "retinue._new",
        "retinue._builtins",
        "retinue.testing",
    }
    assert loaded & above == set()
    # The instrumentation (a service) was handed every client and tool class anyway.
    assert "retinue._instrument" in loaded


def test_a_model_client_defined_first_thing_is_instrumented() -> None:
    code = (
        "from retinue.testing import ScriptedChatCompletionClient as C\n"
        "print(getattr(C.create, '_retinue_instrumented', False))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "True"


def test_the_slots_are_filled_when_retinue_is_imported() -> None:
    assert _slots.default_registry() is retinue.get_registry()
    assert BUILTIN_PLUGINS == {
        "retinue.builtins": "retinue._builtins",
        "retinue.new": "retinue._new",
    }


def test_an_empty_slot_says_how_the_kernel_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_slots, "_registry_source", None)
    with pytest.raises(PluginError, match=r"registry slot is empty.*import retinue"):
        _slots.default_registry()


def test_the_kinds_are_those_the_provider_hooks_register() -> None:
    assert tuple(kind for kinds in PROVIDER_HOOKS.values() for kind in kinds) == KINDS
