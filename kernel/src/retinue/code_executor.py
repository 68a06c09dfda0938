"""AutoGen's ``autogen_core.code_executor`` names, so migrated code keeps its imports.

The classes live in :mod:`retinue.code` and :mod:`retinue.tools`; this module only
hands them on, importing each on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "Alias": "retinue.tools",
        "CodeBlock": "retinue.code",
        "CodeExecutor": "retinue.code",
        "CodeResult": "retinue.code",
        "ImportFromModule": "retinue.tools",
    },
    extra=(),
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from .code import (
        CodeBlock as CodeBlock,
        CodeExecutor as CodeExecutor,
        CodeResult as CodeResult,
    )
    from .tools import (
        Alias as Alias,
        ImportFromModule as ImportFromModule,
    )
