"""The lazy top-level exports of ``retinue`` resolve, and type checkers see the same names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import retinue

INIT = Path(retinue.__file__)


def _type_checking_names() -> set[str]:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.ImportFrom):
                    for alias in stmt.names:
                        # `X as X` is what marks a re-export for mypy --strict
                        assert alias.asname == alias.name, f"write `{alias.name} as {alias.name}`"
                        names.add(alias.name)
    return names


def test_every_lazy_export_resolves() -> None:
    for name in retinue.__all__:
        assert getattr(retinue, name) is not None, name


def test_type_checkers_see_every_export() -> None:
    exported = set(retinue.__all__)
    assert _type_checking_names() == exported, (
        "the TYPE_CHECKING block of retinue/__init__.py and _EXPORTS disagree; "
        "add the missing names to both"
    )


def test_import_retinue_is_cheap() -> None:
    code = (
        "import sys, retinue; heavy = ('pydantic', 'opentelemetry'); "
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import retinue pulled in: {out.stdout}"


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        retinue.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("retinue.NoSuchThing should raise AttributeError")
