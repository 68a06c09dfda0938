"""Which languages the executor runs, how, and where a block's file goes."""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Language", "UnsafeFilenameError", "file_for_block", "find_language", "language_names"]


@dataclass(frozen=True)
class Language:
    """A language: the names a code block may use for it, its file extension and its program."""

    names: tuple[str, ...]
    extension: str
    program: str  # "python" means the executor's interpreter (or the virtual env's)
    flags: tuple[str, ...] = ()


_LANGUAGES = (
    Language(("python", "py", "python3"), ".py", "python"),
    Language(("bash",), ".sh", "bash"),
    Language(("sh", "shell"), ".sh", "sh"),
    # PowerShell only where it is installed: it is optional on every platform.
    Language(
        ("pwsh", "powershell", "ps1"), ".ps1", "pwsh", ("-NoProfile", "-NonInteractive", "-File")
    ),
)

# "# filename: tools/x.py" (or "// filename: ...") on the first line names the block's file.
_FILENAME = re.compile(r"^\s*(?:#|//)\s*filename:\s*(?P<name>\S.*?)\s*$")


class UnsafeFilenameError(Exception):
    """A ``# filename:`` line points outside the working directory."""


def _available(language: Language, path: str) -> bool:
    return language.program == "python" or shutil.which(language.program, path=path) is not None


def find_language(name: str, path: str) -> Language | None:
    """The language a block's ``language`` names, if it is known and its program is on ``path``."""
    wanted = name.strip().lower()
    for language in _LANGUAGES:
        if wanted in language.names and _available(language, path):
            return language
    return None


def language_names(path: str) -> list[str]:
    """Every language name that runs with the programs on ``path``."""
    return [name for lang in _LANGUAGES if _available(lang, path) for name in lang.names]


def file_for_block(code: str, language: Language, work_dir: Path) -> tuple[Path, bool]:
    """Where to write ``code``: ``(path, named)``; ``named`` is True for a ``# filename:`` file.

    Unnamed blocks get a content-addressed name, so rerunning a block reuses its file.
    """
    first_line = code.split("\n", 1)[0]
    match = _FILENAME.match(first_line)
    if match is None:
        digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]
        return work_dir / f"tmp_code_{digest}{language.extension}", False
    name = match.group("name")
    root = work_dir.resolve()
    target = (root / name).resolve()
    if target == root or not target.is_relative_to(root):
        raise UnsafeFilenameError(
            f"refused to write {name!r}: the filename points outside the working directory "
            f"{root}; use a relative path inside it, such as 'scripts/{Path(name).name}'"
        )
    return target, True
