"""Lazy package exports: public names import their module on first access.

Discovery imports every plugin's package, so a package ``__init__`` that imports its
implementation eagerly would make ``retinue plugins`` import pydantic models, agents
and SDKs.  Packages declare ``name -> module`` instead::

    from retinue import lazy_exports

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {"Thing": "._thing"})

and keep a ``TYPE_CHECKING`` block with ``from ._thing import Thing as Thing`` for
type checkers.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str], *, extra: tuple[str, ...] = ("__version__",)
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Build the ``__getattr__``, ``__dir__`` and ``__all__`` of ``package``.

    Args:
        package: the package's ``__name__``.
        exports: public name -> module that defines it (absolute, or relative to
            ``package`` like ``"._thing"``).
        extra: names defined in the package itself that belong in ``__all__``.
    """
    public = sorted([*exports, *extra])

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return list(public)

    return __getattr__, __dir__, public
