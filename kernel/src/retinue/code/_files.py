"""Where a code block's file goes, checked so that model-written names stay in the work dir.

Shared by every executor that writes blocks to files (local subprocesses, containers):
the checks run on the host side, against the directory the code will run in.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from .._errors import CodeExecutionError

__all__ = ["UnsafeFilenameError", "encode_code", "file_for_block", "write_block_file"]

# "# filename: tools/x.py" (or "// filename: ...") on the first line names the block's file.
_FILENAME = re.compile(r"^\s*(?:#|//)\s*filename:\s*(?P<name>\S.*?)\s*$")
# Longer names are cut in messages: the name comes from model output and may be huge.
_SHOWN_NAME_CHARS = 120


class UnsafeFilenameError(CodeExecutionError):
    """A ``# filename:`` line names a file the executor must not or cannot write.

    The message says which name and why, and is meant for the code's author (the model):
    executors turn it into a result with exit code 1.
    """


def _shown(name: str) -> str:
    text = repr(name)
    return text if len(text) <= _SHOWN_NAME_CHARS else f"{text[:_SHOWN_NAME_CHARS]}...'"


def file_for_block(code: str, extension: str, work_dir: Path) -> tuple[Path, bool]:
    """Where to write ``code``: ``(path, named)``; ``named`` is True for a ``# filename:`` file.

    Unnamed blocks get a content-addressed name (``tmp_code_<hash><extension>``), so
    rerunning a block reuses its file.

    Raises:
        UnsafeFilenameError: the named file lies outside ``work_dir``, or is not a usable
            file name (a NUL byte, too long, an existing directory).
    """
    first_line = code.split("\n", 1)[0]
    match = _FILENAME.match(first_line)
    if match is None:
        digest = hashlib.sha256(encode_code(code)).hexdigest()[:16]
        return work_dir / f"tmp_code_{digest}{extension}", False
    name = match.group("name")
    if "\0" in name:
        raise UnsafeFilenameError(
            f"refused to write {_shown(name)}: a file name cannot hold a NUL character; "
            "name the file with printable characters"
        )
    root = work_dir.resolve()
    try:
        target = (root / name).resolve()
    except (OSError, RuntimeError) as exc:  # ENAMETOOLONG, a symlink loop
        raise UnsafeFilenameError(
            f"refused to write {_shown(name)}: {_reason(exc)}; use a short relative path"
        ) from None
    if target == root or not target.is_relative_to(root):
        raise UnsafeFilenameError(
            f"refused to write {_shown(name)}: the filename points outside the working "
            f"directory {root}; use a relative path inside it, such as "
            f"{_shown('scripts/' + Path(name).name)}"
        )
    if os.path.isdir(target):  # unlike Path.is_dir, never raises (ENAMETOOLONG)
        raise UnsafeFilenameError(
            f"refused to write {_shown(name)}: it is a directory in the working directory; "
            "name a file, such as 'scripts/main.py'"
        )
    return target, True


def write_block_file(path: Path, code: str, name: str) -> None:
    """Write ``code`` to ``path``, creating its directories; ``name`` is how messages show it.

    Raises:
        UnsafeFilenameError: the file cannot be written (a parent is a file, the name is
            too long, no permission, the disk is full); the message says why.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode_code(code))
    except OSError as exc:
        # mkdir reports a file where a directory should be as "file exists".
        reason = (
            "a part of the path is not a directory"
            if isinstance(exc, FileExistsError)
            else _reason(exc)
        )
        raise UnsafeFilenameError(
            f"could not write the code to {_shown(name)}: {reason}; "
            "name a file that can be created inside the working directory"
        ) from None


def encode_code(code: str) -> bytes:
    """``code`` as UTF-8; a lone surrogate (from broken model output) is kept as is.

    The program then reports the bad character itself (a SyntaxError in Python), which
    tells the model more than a refusal here would.
    """
    return code.encode("utf-8", errors="surrogatepass")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
