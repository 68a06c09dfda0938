"""The Magentic-One agents: file surfer, web surfer and coder.

Imported on first use, so that using one agent does not import another's
dependencies (Playwright, markitdown).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "FileBrowser": "._file_browser",
        "FileSurfer": "._file_surfer",
        "FileSurferError": "._file_browser",
        "MagenticOneCoderAgent": "._coder",
        "MultimodalWebSurfer": "._web_surfer",
        "WebSurferError": "._browser",
        "ChromiumNotFoundError": "._browser",
    },
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._browser import (
        ChromiumNotFoundError as ChromiumNotFoundError,
        WebSurferError as WebSurferError,
    )
    from ._coder import MagenticOneCoderAgent as MagenticOneCoderAgent
    from ._file_browser import FileBrowser as FileBrowser, FileSurferError as FileSurferError
    from ._file_surfer import FileSurfer as FileSurfer
    from ._web_surfer import MultimodalWebSurfer as MultimodalWebSurfer
