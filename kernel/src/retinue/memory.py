"""AutoGen's ``autogen_core.memory`` names, so migrated code keeps its imports.

The memory contract and ``ListMemory`` live in :mod:`retinue.chat`; this module only
hands them on, importing them on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    dict.fromkeys(
        ("ListMemory", "Memory", "MemoryContent", "MemoryQueryResult", "UpdateContextResult"),
        "retinue.chat",
    ),
    extra=(),
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from .chat import (
        ListMemory as ListMemory,
        Memory as Memory,
        MemoryContent as MemoryContent,
        MemoryQueryResult as MemoryQueryResult,
        UpdateContextResult as UpdateContextResult,
    )
