"""retinue-local: run code blocks as local subprocesses.

Names are imported on first access, so plugin discovery (which imports
``retinue_local.plugin``) stays cheap.

>>> from retinue_local import LocalCommandLineCodeExecutor
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        name: "retinue_local._executor"
        for name in (
            "ApprovalFunc",
            "LocalCommandLineCodeExecutor",
            "LocalCommandLineCodeExecutorConfig",
        )
    },
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ._executor import (
        ApprovalFunc as ApprovalFunc,
        LocalCommandLineCodeExecutor as LocalCommandLineCodeExecutor,
        LocalCommandLineCodeExecutorConfig as LocalCommandLineCodeExecutorConfig,
    )
