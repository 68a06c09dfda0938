"""retinue-langchain: LangChain tools in retinue, and retinue tools in LangChain.

Names are imported on first access, so plugin discovery (which imports
``retinue_langchain.plugin``) never imports langchain-core.

>>> from retinue_langchain import LangChainToolAdapter, as_langchain_tool
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        name: "retinue_langchain._adapter"
        for name in ("LangChainToolAdapter", "LangChainToolAdapterConfig", "as_langchain_tool")
    },
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ._adapter import (
        LangChainToolAdapter as LangChainToolAdapter,
        LangChainToolAdapterConfig as LangChainToolAdapterConfig,
        as_langchain_tool as as_langchain_tool,
    )
