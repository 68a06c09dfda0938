"""The hook reference in docs/ is generated from hookspecs.py and must be current."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from types import ModuleType

from retinue import components, hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs"
HOOK_NAMES = [name for name in hookspecs.__all__ if name.startswith("retinue_")]


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_hooks", DOCS / "gen_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hooks_md_is_generated_from_hookspecs_and_current() -> None:
    expected = load_generator().render()
    actual = (DOCS / "hooks.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/hooks.md is stale: run `uv run python docs/gen_hooks.py`"


def test_every_hookspec_is_documented_with_an_example() -> None:
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    for name in HOOK_NAMES:
        function = getattr(hookspecs, name)
        assert hasattr(function, "retinue_spec"), f"{name} is not marked @hookspec"
        assert "Example::" in (inspect.getdoc(function) or ""), f"{name} has no example"
        assert f"## `{name}`" in text


def test_every_kind_has_exactly_one_provider_hook() -> None:
    kinds = [kind for kinds in hookspecs.PROVIDER_HOOKS.values() for kind in kinds]
    assert sorted(kinds) == sorted(set(kinds))
    assert tuple(kinds) == hookspecs.KINDS == components.KINDS
    assert set(hookspecs.PROVIDER_HOOKS) | set(hookspecs.MIDDLEWARE_HOOKS.values()) | {
        "retinue_register_commands"
    } == set(HOOK_NAMES)
