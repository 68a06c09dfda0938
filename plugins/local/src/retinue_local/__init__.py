"""retinue-local: run code blocks as local subprocesses.

Names are imported on first access, so plugin discovery (which imports
``retinue_local.plugin``) stays cheap.

>>> from retinue_local import LocalCommandLineCodeExecutor
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["ApprovalFunc", "LocalCommandLineCodeExecutor", "LocalCommandLineCodeExecutorConfig"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'retinue_local' has no attribute {name!r}")
    value = getattr(importlib.import_module("retinue_local._executor"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ._executor import (
        ApprovalFunc as ApprovalFunc,
    )
    from ._executor import (
        LocalCommandLineCodeExecutor as LocalCommandLineCodeExecutor,
    )
    from ._executor import (
        LocalCommandLineCodeExecutorConfig as LocalCommandLineCodeExecutorConfig,
    )
