"""The compatibility matrix's plan, its results and the published table.

``noxfile.py`` runs the cells; this module decides which cells there are, what a
cell's SDK versions are, how a run's results merge with the published ones and
how ``docs/compatibility.md`` is rendered.  It imports nothing from nox, so it is
unit-tested directly (``tests/test_matrix.py``).

A *row* is one distribution with one kernel mode and one choice of SDK versions;
a *cell* is a row on one Python.  Every distribution but the kernel has a ``min``
row (the lowest kernel it declares, every direct dependency at its floor) and a
``current`` row (the workspace kernel, every dependency at its newest).  A
third-party range that spans majors (``openai>=1.55.3,<4``) adds, with the
workspace kernel, the floor and the newest release of each major that the ``min``
and ``current`` rows do not already cover.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox depends on tomli on older Pythons
    import tomli as tomllib

KERNEL_NAME = "retinue"
KERNEL_MODES = ("min", "current")
OUTCOMES = ("pass", "fail", "no-release")
# How much of an input or a tool's output a message repeats.
ECHO_LIMIT = 600

# ``resolve(requirement, lowest)``: the version the package index resolves the
# requirement to (its floor when ``lowest``, else its newest), or None when the
# index has no release in that range.
Resolver = Callable[[str, bool], "str | None"]


class MatrixRefused(Exception):
    """The matrix cannot run, or its results cannot be published; the table is unchanged."""


def bounded(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, marked when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " [...]"


def requirement_name(requirement: str) -> str:
    """The normalised project name a requirement string names (``""`` if none)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def _kernel_min(dependencies: Iterable[str]) -> str | None:
    for requirement in dependencies:
        if requirement_name(requirement) == KERNEL_NAME:
            match = re.search(r">=\s*([0-9][0-9.]*)", requirement)
            if match:
                parts = [*match.group(1).split("."), "0", "0"][:3]
                return ".".join(parts)
    return None


@dataclass(frozen=True)
class Distribution:
    """One distribution of the workspace and what it declares."""

    name: str
    version: str
    path: Path
    dependencies: tuple[str, ...]
    test_dependencies: tuple[str, ...]

    @property
    def key(self) -> str:
        """The session id part: ``kernel`` or the folder name (``openai``)."""
        return "kernel" if self.name == KERNEL_NAME else self.path.name

    @property
    def is_kernel(self) -> bool:
        """Whether this is the kernel distribution itself."""
        return self.name == KERNEL_NAME

    @property
    def kernel_requirement(self) -> str | None:
        """The declared ``retinue...`` requirement, if any."""
        return next(
            (r for r in self.dependencies if requirement_name(r) == KERNEL_NAME),
            None,
        )

    @property
    def kernel_min(self) -> str | None:
        """The lowest kernel the declared range allows, as ``X.Y.Z``."""
        return _kernel_min(self.dependencies)


def read_distribution(path: Path) -> Distribution:
    """The distribution whose ``pyproject.toml`` is in ``path``."""
    data = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    groups = data.get("dependency-groups", {})
    test_dependencies = [
        item for name in ("test", "dev") for item in groups.get(name, []) if isinstance(item, str)
    ]
    return Distribution(
        name=project["name"],
        version=project["version"],
        path=path,
        dependencies=tuple(project.get("dependencies", [])),
        test_dependencies=tuple(test_dependencies),
    )


def workspace_distributions(root: Path) -> list[Distribution]:
    """The kernel, then every ``plugins/*`` and ``contrib/*`` distribution, by folder."""
    folders = [root / "kernel"]
    for group in ("plugins", "contrib"):
        folders += sorted(p for p in (root / group).glob("*") if (p / "pyproject.toml").is_file())
    return [read_distribution(folder) for folder in folders]


class Workspace:
    """The workspace's distributions and the relations the matrix needs between them."""

    def __init__(self, distributions: Iterable[Distribution]) -> None:
        self.distributions = list(distributions)
        self.by_key = {dist.key: dist for dist in self.distributions}
        self.by_name = {dist.name: dist for dist in self.distributions}
        self.kernel = self.by_name[KERNEL_NAME]
        self.root = self.kernel.path.parent

    def where(self, dist: Distribution) -> str:
        """``dist``'s ``pyproject.toml``, relative to the workspace root."""
        return (dist.path / "pyproject.toml").relative_to(self.root).as_posix()

    def first_party(self, requirement: str) -> bool:
        """Whether ``requirement`` names a distribution of this workspace."""
        return requirement_name(requirement) in self.by_name

    def siblings(self, requirements: Iterable[str]) -> list[Distribution]:
        """Workspace plugins ``requirements`` reach, directly or through each other."""
        found: dict[str, Distribution] = {}
        pending = [requirement_name(r) for r in requirements]
        while pending:
            name = pending.pop()
            dist = self.by_name.get(name)
            if dist is None or dist.is_kernel or name in found:
                continue
            found[name] = dist
            pending += [requirement_name(r) for r in dist.dependencies]
        return [found[name] for name in sorted(found)]

    def third_party(self, dist: Distribution) -> list[str]:
        """The third-party requirements of ``dist`` and of the plugins it depends on."""
        requirements = [r for r in dist.dependencies if not self.first_party(r)]
        for sibling in self.siblings(dist.dependencies):
            requirements += [r for r in sibling.dependencies if not self.first_party(r)]
        return list(dict.fromkeys(requirements))

    def kernel_version_for(self, dist: Distribution, mode: str) -> str:
        """The kernel version a session installs for ``dist`` in ``mode``."""
        if mode == "min" and dist.kernel_min is not None:
            return dist.kernel_min
        return self.kernel.version

    def kernel_problem(self, dist: Distribution) -> str | None:
        """Why ``dist``'s declared kernel range cannot be tested here, or None."""
        requirement = dist.kernel_requirement
        if requirement is None:
            return None
        try:
            specifier = Requirement(requirement).specifier
        except InvalidRequirement as exc:
            return (
                f"{dist.name} declares the kernel requirement `{bounded(requirement, 120)}`, "
                f"which is not a valid requirement ({exc}); fix it in {self.where(dist)}."
            )
        if specifier.contains(self.kernel.version, prereleases=True):
            return None
        kernel = Version(self.kernel.version)
        suggestion = (
            f"retinue>={kernel.major}.{kernel.minor},<{kernel.major}.{kernel.minor + 1}"
            if kernel.major == 0
            else f"retinue>={kernel.major}.{kernel.minor},<{kernel.major + 1}"
        )
        return (
            f"{dist.name} declares `{bounded(requirement, 120)}`, which excludes the workspace "
            f"kernel {self.kernel.version}, so the matrix cannot test it. Widen the range in "
            f"{self.where(dist)} to include {self.kernel.version} (e.g. `{suggestion}`)."
        )


def spanned_majors(specifier: SpecifierSet | str) -> list[int]:
    """The majors a declared range spans, from its bounds; ``[]`` if it does not span two.

    ``>=1.55.3,<4`` spans 1, 2 and 3; ``>=0.40,<3`` spans 0, 1 and 2.  A range with no
    upper bound names no last major, so only its floor and newest are tested.
    """
    specifier = SpecifierSet(str(specifier))
    first: int | None = None
    last: int | None = None
    for clause in specifier:
        version_text = clause.version.removesuffix(".*")
        try:
            version = Version(version_text)
        except InvalidVersion:
            continue
        if clause.operator in (">=", ">", "==", "~=", "==="):
            first = version.major if first is None else max(first, version.major)
        if clause.operator == "<":
            top = version.major - 1 if not any(version.release[1:]) else version.major
        elif clause.operator in ("<=", "~=", "=="):
            top = version.major
        else:
            continue
        last = top if last is None else min(last, top)
    if first is None or last is None or last <= first:
        return []
    return list(range(first, last + 1))


def major_requirement(requirement: str, major: int) -> str:
    """``requirement`` narrowed to one major: ``openai>=1.55.3,<4`` and 2 -> ``...,>=2,<3``."""
    parsed = Requirement(requirement)
    parsed.specifier &= SpecifierSet(f">={major},<{major + 1}")
    return str(parsed)


@dataclass(frozen=True)
class Row:
    """One distribution with one kernel mode and one choice of SDK versions."""

    dist: str
    kernel: str
    sdk: str | None = None  # the requirement whose major this row pins
    major: int | None = None
    end: str | None = None  # "floor" or "newest" of that major

    @property
    def id(self) -> str:
        """``min``, ``current`` or ``openai-2.x-floor``: stable, derived from declarations."""
        if self.sdk is None:
            return self.kernel
        return f"{requirement_name(self.sdk)}-{self.major}.x-{self.end}"

    @property
    def label(self) -> str:
        """What the row tests, for the table."""
        if self.sdk is None:
            return (
                "every dependency at its floor"
                if self.kernel == "min"
                else "every dependency at its newest"
            )
        return f"{requirement_name(self.sdk)} {self.major}.x, {self.end}"


def rows_for(workspace: Workspace, dist: Distribution) -> list[Row]:
    """Every row of ``dist``: ``min``, ``current`` and the majors its SDK ranges span."""
    if dist.is_kernel:
        return [Row(dist.key, "current")]
    rows = [Row(dist.key, "min"), Row(dist.key, "current")]
    for requirement in dist.dependencies:
        if workspace.first_party(requirement):
            continue
        majors = spanned_majors(Requirement(requirement).specifier)
        for major in majors:
            # The min row already holds the first major's floor, current the last's newest.
            if major != majors[0]:
                rows.append(Row(dist.key, "current", requirement, major, "floor"))
            if major != majors[-1]:
                rows.append(Row(dist.key, "current", requirement, major, "newest"))
    return rows


def plan(workspace: Workspace) -> list[Row]:
    """Every row of the matrix, distribution by distribution."""
    return [row for dist in workspace.distributions for row in rows_for(workspace, dist)]


def row_pin(row: Row, resolve: Resolver) -> str | None:
    """The ``name==version`` a pinned row installs, or None if that major has no release."""
    assert row.sdk is not None and row.major is not None
    version = resolve(major_requirement(row.sdk, row.major), row.end == "floor")
    return None if version is None else f"{requirement_name(row.sdk)}=={version}"


def index_problems(workspace: Workspace, resolve: Resolver) -> list[str]:
    """One message per declared third-party range the package index has no release in."""
    problems = []
    for dist in workspace.distributions:
        for requirement in dist.dependencies:
            if workspace.first_party(requirement):
                continue
            if resolve(requirement, False) is None:
                problems.append(
                    f"{dist.name} declares `{bounded(requirement, 120)}`, but the package index "
                    "has no release in that range for the matrix's Pythons. Correct the range "
                    f"in {workspace.where(dist)}."
                )
    return problems


def uv_resolver(uv: str, python: str) -> Resolver:
    """A resolver asking the package index through ``uv pip compile`` for ``python``."""

    def resolve(requirement: str, lowest: bool) -> str | None:
        command = [uv, "pip", "compile", "-", "--no-deps", "--no-header", "--no-annotate"]
        command += ["--python", python, "--resolution", "lowest-direct" if lowest else "highest"]
        environment = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        completed = subprocess.run(
            command,
            input=requirement + "\n",
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=environment,
        )
        if completed.returncode != 0:
            if "No solution found" in completed.stderr:
                return None
            raise MatrixRefused(
                f"Could not ask the package index about `{bounded(requirement, 120)}`: "
                f"{bounded(completed.stderr)}\nCheck the network and the index settings, "
                "then run again."
            )
        name = requirement_name(requirement)
        for line in completed.stdout.splitlines():
            if requirement_name(line) == name and "==" in line:
                return line.split("==", 1)[1].split(";", 1)[0].strip()
        return None

    return resolve


@dataclass(frozen=True)
class Cell:
    """One row's result on one Python, as published."""

    dist: str
    row: str
    python: str
    outcome: str  # one of OUTCOMES
    date: str
    python_version: str = ""
    versions: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """``(dist, row, python)``."""
        return (self.dist, self.row, self.python)


def cell_from_dict(data: Mapping[str, object]) -> Cell:
    """A cell from its JSON form."""
    versions = data.get("versions") or {}
    assert isinstance(versions, dict)
    return Cell(
        dist=str(data["dist"]),
        row=str(data["row"]),
        python=str(data["python"]),
        outcome=str(data["outcome"]),
        date=str(data["date"]),
        python_version=str(data.get("python_version", "")),
        versions={str(k): str(v) for k, v in versions.items()},
        note=str(data.get("note", "")),
    )


def load_cells(text: str) -> dict[tuple[str, str, str], Cell]:
    """The published cells from ``docs/compatibility.json``'s text."""
    data = json.loads(text)
    return {cell.key: cell for cell in map(cell_from_dict, data.get("cells", []))}


def dump_cells(cells: Mapping[tuple[str, str, str], Cell]) -> str:
    """``docs/compatibility.json``'s text: every cell, in a stable order."""
    ordered = [asdict(cells[key]) for key in sorted(cells)]
    return json.dumps({"cells": ordered}, indent=2, sort_keys=True) + "\n"


def collect_run(
    records: Iterable[Mapping[str, object]], sessions: Iterable[Mapping[str, object]]
) -> dict[tuple[str, str, str], Cell]:
    """The cells one run verified, from the sessions' records and nox's report.

    A session that failed before its tests ran (its environment could not be created,
    an install failed, a declaration was refused) makes the whole run refused: its
    cell says nothing about compatibility, and publishing around it would hide that.
    """
    fresh: dict[tuple[str, str, str], Cell] = {}
    problems = []
    for record in records:
        if record.get("outcome") == "error":
            problems.append(f"{record.get('session')}: {record.get('note')}")
            continue
        cell = cell_from_dict(record)
        fresh[cell.key] = cell
    recorded = {(str(r.get("dist")), str(r.get("row")), str(r.get("python"))) for r in records}
    for session in sessions:
        if session.get("result") not in ("failed", "aborted"):
            continue
        args = session.get("args") or {}
        assert isinstance(args, dict)
        # nox reports the bare function name; the first signature is the session's own.
        signatures = session.get("signatures") or [session.get("name")]
        assert isinstance(signatures, list)
        name = str(signatures[0])
        match = re.match(r"tests-(\d+\.\d+)", name)
        python = match.group(1) if match else "?"
        if (str(args.get("dist")), str(args.get("row")), python) not in recorded:
            reason = session.get("reason") or "it failed before its tests ran (see its log)"
            problems.append(f"{name}: {bounded(str(reason))}")
    if problems:
        raise MatrixRefused(
            f"{len(problems)} sessions could not be set up, so the compatibility table was "
            "left as it was:\n- " + "\n- ".join(problems)
        )
    return fresh


def merge(
    previous: Mapping[tuple[str, str, str], Cell],
    fresh: Mapping[tuple[str, str, str], Cell],
    planned: Iterable[tuple[str, str, str]],
    *,
    partial: bool,
) -> dict[tuple[str, str, str], Cell]:
    """The cells to publish after a run; raises MatrixRefused rather than lose a result.

    A cell the run verified replaces the published one.  A planned cell the run did
    not verify (its Python is missing, or its session was not selected) refuses the
    whole run, unless ``partial``: then the cell keeps its last verified result and
    date.  Cells of rows no longer declared are dropped.
    """
    planned = list(planned)
    missing = [key for key in planned if key not in fresh]
    if missing and not partial:
        shown = ", ".join(f"{d} {r} on {p}" for d, r, p in missing[:8])
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        raise MatrixRefused(
            f"{len(missing)} of {len(planned)} cells did not run ({shown}{more}), so the "
            "compatibility table was left as it was. Install the missing Pythons (pyenv "
            "install / uv python install) and run every session, or pass --partial to "
            "publish what ran while the other cells keep their last verified results."
        )
    merged = {}
    for key in planned:
        cell = fresh.get(key) or previous.get(key)
        if cell is not None:
            merged[key] = cell
    return merged


def _cell_text(cell: Cell | None, row: Row) -> str:
    if cell is None:
        return "not verified"
    if cell.outcome == "no-release":
        return f"no {row.major}.x release<br>{cell.date}"
    mark = "**pass**" if cell.outcome == "pass" else "**FAIL**"
    versions = ", ".join(f"{name} {version}" for name, version in sorted(cell.versions.items()))
    detail = cell.note.replace("|", "\\|") if cell.note else versions
    return f"{mark}<br>{detail}<br>Python {cell.python_version}, {cell.date}"


def render(
    workspace: Workspace,
    rows: Iterable[Row],
    cells: Mapping[tuple[str, str, str], Cell],
    pythons: Iterable[str],
) -> str:
    """The compatibility page: one table per distribution, a row per kernel/SDK choice."""
    pythons = list(pythons)
    rows = list(rows)
    lines = [
        "# Compatibility",
        "",
        "Each distribution's own tests, run in a fresh environment on each Python with",
        "the kernel at the lowest version the distribution declares (**min**) or at the",
        "workspace version (**current**). The **min** row puts every dependency at the",
        "floor of its declared range, the **current** row at its newest; a range that",
        "spans majors (`openai>=1.55.3,<4`) also gets the floor and the newest release of",
        "each major. Every cell names the versions it resolved and the date it was verified;",
        "a **FAIL** that names requirements instead means they did not install on that Python.",
        "",
        "Generated by `uv run --group dev nox -s matrix` from `compatibility.json`; do not",
        "edit by hand. The matrix finds each Python in pyenv's versions, uv's managed",
        "interpreters or on `PATH`, and never downloads one. It refuses, leaving this page",
        "as it was, when a Python is missing, when only some sessions were selected, when",
        "an interpreter cannot create a virtual environment, when a plugin's kernel range",
        "excludes the workspace kernel, or when a declared range has no release on the",
        "package index. With `-- --partial` it publishes what ran, and a cell it could not",
        "verify keeps its last verified result and date (*not verified* if it never was).",
    ]
    for dist in workspace.distributions:
        dist_rows = [row for row in rows if row.dist == dist.key]
        if not dist_rows:
            continue
        declared = [f"`{requirement}`" for requirement in dist.dependencies]
        lines += [
            "",
            f"## {dist.name} {dist.version}",
            "",
            f"Declares {', '.join(declared) if declared else 'no dependencies'}.",
            "",
            "| kernel | dependencies | " + " | ".join(pythons) + " |",
            "| --- | --- | " + " | ".join("---" for _ in pythons) + " |",
        ]
        for row in dist_rows:
            kernel = f"{row.kernel} ({workspace.kernel_version_for(dist, row.kernel)})"
            texts = [_cell_text(cells.get((dist.key, row.id, python)), row) for python in pythons]
            lines.append(f"| {kernel} | {row.label} | " + " | ".join(texts) + " |")
    lines.append("")
    return "\n".join(lines)


def summary(cells: Mapping[tuple[str, str, str], Cell]) -> dict[str, int]:
    """How many cells have each outcome."""
    counts = {outcome: 0 for outcome in OUTCOMES}
    for cell in cells.values():
        counts[cell.outcome] = counts.get(cell.outcome, 0) + 1
    return counts
