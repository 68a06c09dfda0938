"""A text browser over local files: markitdown turns a file into text, shown one
viewport (page) at a time, with find-in-file; every path stays under one root.

The model sees the root as ``/``: paths it gives are taken relative to the root
(a leading ``/`` included), and paths it is shown are written that way too, so the
machine's own directory layout never reaches the model.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from retinue import ConfigurationError, ToolError, bounded_text

__all__ = ["FileBrowser", "FileSurferError"]


class FileSurferError(ToolError):
    """A file the surfer was asked for cannot be shown: outside the root, missing, or
    in a format it cannot convert to text."""


class FileBrowser:
    """The file surfer's view: the open file's text in pages of ``viewport_size`` chars."""

    def __init__(self, root: str | Path, viewport_size: int = 8192) -> None:
        root_path = Path(root).expanduser().resolve()
        if not root_path.is_dir():
            raise ConfigurationError(
                f"the file surfer's base_path {bounded_text(str(root))} is not a directory; "
                "pass an existing directory"
            )
        if isinstance(viewport_size, bool) or not isinstance(viewport_size, int):
            raise ConfigurationError(f"viewport_size must be an integer, got {viewport_size!r}")
        if viewport_size < 256:
            raise ConfigurationError(f"viewport_size must be at least 256, got {viewport_size}")
        self.root = root_path
        self.viewport_size = viewport_size
        self._converter: object | None = None
        self.reset()

    def reset(self) -> None:
        """Close the open file."""
        self.path: str | None = None
        self._pages: list[str] = []
        self.page = 0
        self._query: str | None = None
        self._match_end = 0
        self._text = ""

    @property
    def page_count(self) -> int:
        """How many pages the open file has (0 with nothing open)."""
        return len(self._pages)

    # --- paths ------------------------------------------------------------------

    def resolve(self, path: str) -> Path:
        """``path`` under the root, or :class:`FileSurferError` if it leads outside."""
        relative = path.strip().lstrip("/") or "."
        candidate = (self.root / relative).resolve()  # symlinks followed: no escape that way
        if candidate != self.root and not candidate.is_relative_to(self.root):
            raise FileSurferError(
                f"{bounded_text(repr(path))} is outside the directory this surfer may read; "
                "ask for a path under / (for example open_path('/') lists what is there)"
            )
        return candidate

    def shown(self, path: Path) -> str:
        """How ``path`` is written for the model: relative to the root, from ``/``."""
        relative = path.relative_to(self.root).as_posix()
        return "/" if relative == "." else f"/{relative}"

    # --- actions ----------------------------------------------------------------

    async def open(self, path: str) -> str:
        """Open a file (converted to text) or a directory (its listing); show page 1."""
        target = self.resolve(path)
        if not target.exists():
            raise FileSurferError(
                f"there is no file or directory {bounded_text(repr(path))}; list the "
                "directory first (open_path on it) to see what exists"
            )
        text = self._listing(target) if target.is_dir() else await self._convert(target, path)
        self.path = self.shown(target)
        self._text = text
        self._pages = _paginate(text, self.viewport_size)
        self.page = 0
        self._query = None
        self._match_end = 0
        return self.view()

    def page_down(self) -> str:
        """Move one page down."""
        self._require_open()
        self.page = min(self.page + 1, len(self._pages) - 1)
        return self.view()

    def page_up(self) -> str:
        """Move one page up."""
        self._require_open()
        self.page = max(self.page - 1, 0)
        return self.view()

    def find(self, search_string: str) -> str:
        """Go to the first page, from the current one, where ``search_string`` occurs
        (any case)."""
        self._require_open()
        if not search_string.strip():
            raise FileSurferError("the text to find is empty; give a word or phrase")
        self._query = search_string
        return self._find_from(self._page_start(self.page), wrap=True)

    def find_next(self) -> str:
        """Go to the next occurrence of the last text searched for."""
        self._require_open()
        if self._query is None:
            raise FileSurferError("nothing was searched for yet; use find_on_page_ctrl_f first")
        return self._find_from(self._match_end, wrap=True)

    def view(self) -> str:
        """The header (path, page) and the current page."""
        if self.path is None:
            return "No file is open. Use open_path to open a file or list a directory."
        header = (
            f"Path: {self.path}\n"
            f"Viewport: page {self.page + 1} of {len(self._pages)}\n"
            "=======================\n"
        )
        return header + self._pages[self.page]

    # --- internals ----------------------------------------------------------------

    def _require_open(self) -> None:
        if self.path is None:
            raise FileSurferError("no file is open; use open_path first")

    def _page_start(self, page: int) -> int:
        return sum(len(p) for p in self._pages[:page])

    def _find_from(self, start: int, *, wrap: bool) -> str:
        assert self._query is not None
        haystack = self._text.lower()
        needle = self._query.lower()
        index = haystack.find(needle, start)
        if index == -1 and wrap:
            index = haystack.find(needle)
        if index == -1:
            return (
                f"{bounded_text(repr(self._query))} was not found in {self.path}.\n" + self.view()
            )
        self._match_end = index + len(needle)
        offset = 0
        for number, page in enumerate(self._pages):
            if index < offset + len(page):
                self.page = number
                break
            offset += len(page)
        return self.view()

    def _listing(self, directory: Path) -> str:
        lines = [f"# Index of {self.shown(directory)}", ""]
        entries = sorted(directory.iterdir(), key=lambda p: (not p.is_dir(), p.name.lower()))
        for entry in entries:
            try:
                inside = entry.resolve().is_relative_to(self.root)
            except OSError:
                continue
            if not inside:  # a link leading out of the root is not offered
                continue
            if entry.is_dir():
                lines.append(f"- {entry.name}/ (directory)")
            else:
                lines.append(f"- {entry.name} ({entry.stat().st_size} bytes)")
        if len(lines) == 2:
            lines.append("(empty)")
        return "\n".join(lines)

    async def _convert(self, target: Path, asked: str) -> str:
        from markitdown import MarkItDown, MarkItDownException

        if self._converter is None:
            self._converter = MarkItDown()
        converter = self._converter
        assert isinstance(converter, MarkItDown)
        try:
            # Conversion reads and parses the whole file: keep it off the event loop.
            result = await asyncio.to_thread(converter.convert_local, str(target))
        except MarkItDownException as exc:
            raise FileSurferError(
                f"{bounded_text(repr(asked))} cannot be shown as text ({type(exc).__name__}: "
                f"{bounded_text(str(exc).splitlines()[0] if str(exc) else '', 160)}); "
                "try another file"
            ) from exc
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise FileSurferError(
                f"{bounded_text(repr(asked))} could not be read ({type(exc).__name__}); "
                "try another file"
            ) from exc
        return result.markdown


def _paginate(text: str, size: int) -> list[str]:
    """``text`` cut into pages of about ``size`` characters, at whitespace where possible."""
    if not text:
        return [""]
    pages: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind(" ", start, end))
            if cut > start:
                end = cut + 1
        pages.append(text[start:end])
        start = end
    return pages
