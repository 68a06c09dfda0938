"""Every public class and function of every distribution has a docstring.

"Public" is what a package's ``__all__`` exports (DESIGN.md: the public API is what
``__all__`` exports), so the check follows the same definition users rely on.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _public_packages() -> list[str]:
    packages = [
        "retinue",
        "retinue.models",
        "retinue.tools",
        "retinue.code",
        "retinue.chat",
        "retinue.runtime",
        "retinue.testing",
        "retinue.middleware",
        "retinue.components",
        "retinue.telemetry",
    ]
    for init in sorted(ROOT.glob("plugins/*/src/*/__init__.py")) + sorted(
        ROOT.glob("contrib/*/src/*/__init__.py")
    ):
        packages.append(init.parent.name)
    return packages


@pytest.mark.parametrize("package", _public_packages())
def test_public_names_are_documented(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__doc__, f"package {package} has no module docstring"
    undocumented = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not (obj.__doc__ and obj.__doc__.strip()):
            undocumented.append(name)
        if inspect.isclass(obj) and obj.__doc__ is getattr(obj.__mro__[1], "__doc__", None):
            # an inherited docstring says nothing about the subclass
            undocumented.append(f"{name} (inherits its docstring)")
    assert not undocumented, (
        f"{package} exports public names without a docstring: {', '.join(undocumented)}; "
        "add a docstring saying what each is for"
    )
