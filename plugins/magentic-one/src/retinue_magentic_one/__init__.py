"""retinue-magentic-one: the Magentic-One team, its web and file surfers, and ``m1``.

Public names are imported on first access: retinue imports this package when it
discovers ``plugin.py``, and discovery must not import Playwright or markitdown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__version__ = "0.1.0"

# public name -> module that defines it
__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "LedgerError": "._ledger",
        "ProgressLedger": "._ledger",
        "MagenticOne": "._magentic_one",
        "MagenticOneGroupChat": "._team",
        "choose_code_executor": "._magentic_one",
    },
)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._ledger import LedgerError as LedgerError, ProgressLedger as ProgressLedger
    from ._magentic_one import (
        MagenticOne as MagenticOne,
        choose_code_executor as choose_code_executor,
    )
    from ._team import MagenticOneGroupChat as MagenticOneGroupChat
