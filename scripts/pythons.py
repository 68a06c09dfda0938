"""Find the machine's Python interpreters, never downloading one.

The compatibility matrix (``noxfile.py``) and the test script (``scripts/test.sh``)
both need every CPython 3.10-3.13 the machine has, not just the one that happens to
be active.  They are looked for in three places, in this order:

1. pyenv's versions (``$PYENV_ROOT/versions/*/bin/python3.X``, default ``~/.pyenv``);
2. uv-managed interpreters (``$UV_PYTHON_INSTALL_DIR``, else ``$XDG_DATA_HOME/uv/python``,
   else ``~/.local/share/uv/python``);
3. ``python3.X`` on ``PATH`` (pyenv's shims excluded: they only reach the active version).

Within one place the newest patch release wins; an earlier place wins over a later one.
Every candidate is run once to confirm its implementation and version.

Run as a script it prints what it found to stderr; with ``--link-dir DIR`` it also
makes ``DIR/python3.X`` links to each interpreter and prints ``DIR``, so a caller can
put it first on ``PATH`` and have uv and nox find every version::

    PATH="$(python3 scripts/pythons.py --link-dir .nox/pythons):$PATH"
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

WANTED = ("3.10", "3.11", "3.12", "3.13")

# Printed by every candidate; any CPython 3 answers it.
_PROBE = (
    "import json, platform, sys; "
    "print(json.dumps([platform.python_implementation(), '%d.%d.%d' % sys.version_info[:3]]))"
)
_PROBE_TIMEOUT = 30.0
# How much of a failing tool's output a message repeats.
_ECHO_LIMIT = 600


@dataclass(frozen=True)
class Interpreter:
    """One CPython found on the machine."""

    minor: str  # "3.12"
    version: str  # "3.12.1"
    executable: str  # absolute path of the candidate that answered
    source: str  # "pyenv", "uv" or "PATH"


Probe = Callable[[str], "tuple[str, str] | None"]


def probe(executable: str) -> tuple[str, str] | None:
    """Run ``executable`` once and return ``(implementation, version)``, or None if it fails."""
    try:
        completed = subprocess.run(
            [executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
        implementation, version = json.loads(completed.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError, TypeError):
        return None
    if completed.returncode != 0:
        return None
    return str(implementation), str(version)


def _pyenv_root(env: Mapping[str, str]) -> Path:
    return Path(env.get("PYENV_ROOT") or Path(env.get("HOME", "~")).expanduser() / ".pyenv")


def _uv_python_dir(env: Mapping[str, str]) -> Path:
    if env.get("UV_PYTHON_INSTALL_DIR"):
        return Path(env["UV_PYTHON_INSTALL_DIR"])
    data = env.get("XDG_DATA_HOME")
    if data and os.path.isabs(data):
        return Path(data) / "uv" / "python"
    return Path(env.get("HOME", "~")).expanduser() / ".local" / "share" / "uv" / "python"


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def candidates(
    minor: str, env: Mapping[str, str], skip_dirs: Iterable[Path] = ()
) -> list[tuple[str, list[str]]]:
    """Every place's candidate executables for ``minor``, as ``[(source, [path, ...])]``."""
    name = f"python{minor}"
    pyenv_versions = _pyenv_root(env) / "versions"
    pyenv = sorted(str(p) for p in pyenv_versions.glob(f"*/bin/{name}") if _executable(p))
    uv = sorted(
        str(p) for p in _uv_python_dir(env).glob(f"cpython-{minor}.*/bin/{name}") if _executable(p)
    )
    skipped = {os.path.realpath(p) for p in skip_dirs}
    skipped.add(os.path.realpath(_pyenv_root(env) / "shims"))
    on_path = []
    for folder in env.get("PATH", "").split(os.pathsep):
        if not folder or os.path.realpath(folder) in skipped:
            continue
        path = Path(folder) / name
        if _executable(path) and str(path) not in on_path:
            on_path.append(str(path))
    return [("pyenv", pyenv), ("uv", uv), ("PATH", on_path)]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def discover(
    wanted: Iterable[str] = WANTED,
    env: Mapping[str, str] | None = None,
    run_probe: Probe = probe,
    skip_dirs: Iterable[Path] = (),
) -> dict[str, Interpreter]:
    """The interpreter to use for each wanted minor version that the machine has."""
    env = os.environ if env is None else env
    skip = list(skip_dirs)
    found: dict[str, Interpreter] = {}
    for minor in wanted:
        for source, paths in candidates(minor, env, skip):
            answers = []
            for path in paths:
                answer = run_probe(path)
                if answer is None:
                    continue
                implementation, version = answer
                if implementation == "CPython" and version.rsplit(".", 1)[0] == minor:
                    answers.append(Interpreter(minor, version, path, source))
            if answers:
                found[minor] = max(answers, key=lambda i: _version_key(i.version))
                break
    return found


def venv_problem(interpreter: Interpreter, uv: str = "uv") -> str | None:
    """Why ``interpreter`` cannot create a virtual environment with uv, or None if it can."""
    with tempfile.TemporaryDirectory(prefix="retinue-venv-check-") as folder:
        environment = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        environment.pop("VIRTUAL_ENV", None)
        try:
            command = [uv, "venv", "--quiet", "--no-project", "--python", interpreter.executable]
            completed = subprocess.run(
                [*command, f"{folder}/venv"],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                env=environment,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            detail = str(exc)
        else:
            if completed.returncode == 0:
                return None
            detail = (completed.stderr or completed.stdout).strip()
    if len(detail) > _ECHO_LIMIT:
        detail = detail[:_ECHO_LIMIT] + " [...]"
    return (
        f"Python {interpreter.version} at {interpreter.executable} (found in {interpreter.source}) "
        f"exists but cannot create a virtual environment: {detail}\n"
        f"Repair or remove that interpreter (or install a working {interpreter.minor} "
        "through pyenv or `uv python install`, which are searched first), then run again."
    )


def link(found: Mapping[str, Interpreter], folder: Path) -> Path:
    """Make ``folder/python3.X`` point at each found interpreter, and drop stale links."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"python{minor}": interpreter.executable for minor, interpreter in found.items()}
    for entry in folder.glob("python*"):
        if entry.name not in wanted and entry.is_symlink():
            entry.unlink()
    for name, target in wanted.items():
        destination = folder / name
        if destination.is_symlink() and os.readlink(destination) == target:
            continue
        # Replaced atomically: another nox process may be reading the folder.
        temporary = folder / f".{name}.{os.getpid()}"
        if temporary.is_symlink():
            temporary.unlink()
        temporary.symlink_to(target)
        os.replace(temporary, destination)
    return folder


def describe(found: Mapping[str, Interpreter], wanted: Iterable[str] = WANTED) -> str:
    """One line per wanted version: where it was found, or that it is missing."""
    lines = []
    for minor in wanted:
        interpreter = found.get(minor)
        if interpreter is None:
            lines.append(f"Python {minor}: not found (pyenv, uv-managed or PATH)")
        else:
            lines.append(
                f"Python {minor}: {interpreter.version} from {interpreter.source}"
                f" ({interpreter.executable})"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the interpreters found; with ``--link-dir`` link them and print the folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--link-dir", type=Path, help="make python3.X links here, print it")
    args = parser.parse_args(argv)
    skip = [args.link_dir] if args.link_dir else []
    found = discover(skip_dirs=skip)
    print(describe(found), file=sys.stderr)
    if args.link_dir:
        print(link(found, args.link_dir.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
