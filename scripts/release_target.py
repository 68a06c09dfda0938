"""Which distribution a release tag publishes, checked against the workspace.

A release is one tag per distribution, ``<distribution>-v<version>`` (``retinue-v0.2.0``
for the kernel, ``retinue-openai-v0.1.1`` for a plugin). The release workflow calls

    python scripts/release_target.py TAG              # prints name=..., path=..., version=...
    python scripts/release_target.py TAG --dist DIR   # checks DIR holds its wheel and sdist only

and refuses a tag that names no distribution or another version than its pyproject.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"^(?P<name>retinue(?:-[a-z0-9][a-z0-9-]*?)?)-v(?P<version>\d+(?:\.\d+)*\S*)$")


def distributions() -> dict[str, tuple[Path, str]]:
    """Every distribution of the workspace: name -> (folder, version)."""
    found = {}
    folders = [ROOT / "kernel", *sorted(ROOT.glob("plugins/*")), *sorted(ROOT.glob("contrib/*"))]
    for folder in folders:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
            found[project["name"]] = (folder, project["version"])
    return found


def resolve(tag: str) -> tuple[str, Path, str]:
    """The (name, folder, version) a tag releases; ``ValueError`` says why not."""
    match = TAG.match(tag)
    if match is None:
        raise ValueError(
            f"tag {tag!r} is not <distribution>-v<version> (e.g. retinue-openai-v0.1.0)"
        )
    name, version = match["name"], match["version"]
    known = distributions()
    if name not in known:
        raise ValueError(f"tag {tag!r} names no distribution here; known: {', '.join(known)}")
    folder, declared = known[name]
    if version != declared:
        raise ValueError(
            f"tag {tag!r} releases {name} {version}, but {folder.relative_to(ROOT)}/pyproject.toml "
            f"says {declared}: bump the version (and CHANGELOG.md) first, then tag"
        )
    return name, folder, version


def check_dist(name: str, version: str, dist: Path) -> list[str]:
    """Problems with ``dist`` as the upload of one release (empty when it is right)."""
    stem = f"{name.replace('-', '_')}-{version}"
    files = sorted(path.name for path in dist.iterdir())
    wanted = [f"{stem}-py3-none-any.whl", f"{stem}.tar.gz"]
    return [f"missing {file}" for file in wanted if file not in files] + [
        f"unexpected {file}" for file in files if file not in wanted
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--dist", type=Path, help="check this folder holds exactly the release")
    args = parser.parse_args(argv)
    try:
        name, folder, version = resolve(args.tag)
    except ValueError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 2
    if args.dist is not None:
        problems = check_dist(name, version, args.dist)
        for problem in problems:
            print(f"release: {args.dist}: {problem}", file=sys.stderr)
        return 1 if problems else 0
    print(f"name={name}\npath={folder.relative_to(ROOT)}\nversion={version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
