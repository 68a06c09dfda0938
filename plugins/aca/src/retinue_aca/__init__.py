"""retinue-aca: run code blocks in an Azure Container Apps dynamic session.

Names are imported on first access, so plugin discovery (which imports
``retinue_aca.plugin``) stays cheap and never imports the HTTP client.

>>> from retinue_aca import ACADynamicSessionsCodeExecutor
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        name: "retinue_aca._executor"
        for name in (
            "ACAAuthenticationError",
            "ACADynamicSessionsCodeExecutor",
            "ACADynamicSessionsCodeExecutorConfig",
            "ACASessionError",
            "TokenProvider",
        )
    },
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ._executor import (
        ACAAuthenticationError as ACAAuthenticationError,
        ACADynamicSessionsCodeExecutor as ACADynamicSessionsCodeExecutor,
        ACADynamicSessionsCodeExecutorConfig as ACADynamicSessionsCodeExecutorConfig,
        ACASessionError as ACASessionError,
        TokenProvider as TokenProvider,
    )
