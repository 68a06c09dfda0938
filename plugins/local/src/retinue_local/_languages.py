"""Which languages the executor runs and how; where a block's file goes."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from retinue.code import file_for_block as block_file

__all__ = ["Language", "file_for_block", "find_language", "language_names"]


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
    """Where to write ``code`` (see :func:`retinue.code.file_for_block`)."""
    return block_file(code, language.extension, work_dir)
